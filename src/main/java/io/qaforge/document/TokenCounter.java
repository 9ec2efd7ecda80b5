package io.qaforge.document;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/** Counts tokens the way the provider will: with a real BPE encoding (o200k_base by default). */
@Component
public class TokenCounter {

    private final Encoding encoding;

    @Autowired
    public TokenCounter(DocumentProperties properties) {
        this(EncodingType.fromName(properties.encoding())
                .orElseThrow(() -> new IllegalArgumentException("Unknown tokenizer encoding: " + properties.encoding())));
    }

    public TokenCounter(EncodingType type) {
        this.encoding = Encodings.newDefaultEncodingRegistry().getEncoding(type);
    }

    public int count(String text) {
        return encoding.countTokensOrdinary(text);
    }
}

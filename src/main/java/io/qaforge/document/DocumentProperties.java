package io.qaforge.document;

import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * @param encoding          jtokkit encoding used for every token count (chunk sizes, prompt estimates)
 * @param chunkTargetTokens chunks are packed up to about this many tokens
 * @param chunkMaxTokens    no chunk is ever larger
 */
@Validated
@ConfigurationProperties("qaforge.documents")
public record DocumentProperties(String encoding, @Min(16) int chunkTargetTokens, @Min(16) int chunkMaxTokens) {

    public DocumentProperties {
        if (chunkMaxTokens < chunkTargetTokens) {
            throw new IllegalArgumentException("qaforge.documents.chunk-max-tokens must be >= chunk-target-tokens");
        }
    }
}

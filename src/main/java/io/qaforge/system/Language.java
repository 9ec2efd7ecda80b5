package io.qaforge.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Supplier;

import com.github.pemistahl.lingua.api.LanguageDetector;
import com.github.pemistahl.lingua.api.LanguageDetectorBuilder;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.WordlistLoader;
import org.apache.lucene.analysis.de.GermanAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.es.SpanishAnalyzer;
import org.apache.lucene.analysis.fr.FrenchAnalyzer;
import org.apache.lucene.analysis.it.ItalianAnalyzer;
import org.apache.lucene.analysis.nl.DutchAnalyzer;
import org.apache.lucene.analysis.pt.PortugueseAnalyzer;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.sv.SwedishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.util.IOUtils;

/**
 * The languages whose words qaforge compares, each with Lucene's analyzer for it (its Snowball stopwords and stemmer).
 * A text's language is detected with Lingua among these; when Lingua is unsure (a short or mixed text, another
 * language), it is English, whose analyzer still splits any script into words.
 */
public enum Language {

    ENGLISH(com.github.pemistahl.lingua.api.Language.ENGLISH,
            // Lucene's default English list is 33 words; Snowball's (as every other analyzer here uses) has "what", "which", "does".
            () -> new EnglishAnalyzer(snowballStopwords("english_stop.txt")), "Write everything in English."),
    GERMAN(com.github.pemistahl.lingua.api.Language.GERMAN, GermanAnalyzer::new, "Schreibe alles auf Deutsch."),
    FRENCH(com.github.pemistahl.lingua.api.Language.FRENCH, FrenchAnalyzer::new, "Écris tout en français."),
    SPANISH(com.github.pemistahl.lingua.api.Language.SPANISH, SpanishAnalyzer::new, "Escribe todo en español."),
    ITALIAN(com.github.pemistahl.lingua.api.Language.ITALIAN, ItalianAnalyzer::new, "Scrivi tutto in italiano."),
    PORTUGUESE(com.github.pemistahl.lingua.api.Language.PORTUGUESE, PortugueseAnalyzer::new, "Escreve tudo em português."),
    DUTCH(com.github.pemistahl.lingua.api.Language.DUTCH, DutchAnalyzer::new, "Schrijf alles in het Nederlands."),
    SWEDISH(com.github.pemistahl.lingua.api.Language.SWEDISH, SwedishAnalyzer::new, "Skriv allt på svenska."),
    RUSSIAN(com.github.pemistahl.lingua.api.Language.RUSSIAN, RussianAnalyzer::new, "Пиши всё по-русски.");

    /**
     * Below this many letters Lingua's guess is no evidence: "IANA.", "Die IANA." and a list of names read as any
     * language, so shorter texts are never judged to be in the wrong one.
     */
    public static final int MIN_DETECTABLE_LETTERS = 40;

    private final com.github.pemistahl.lingua.api.Language lingua;
    /** Thread-safe: Lucene keeps each thread's token stream apart. */
    private final Analyzer analyzer;
    private final String ownWords;

    Language(com.github.pemistahl.lingua.api.Language lingua, Supplier<Analyzer> analyzer, String ownWords) {
        this.lingua = lingua;
        this.analyzer = analyzer.get();
        this.ownWords = ownWords;
    }

    /**
     * The language of a text, where Lingua can tell it among these with confidence; empty for a short or mixed text, or
     * one in another language.
     */
    public static java.util.Optional<Language> detect(String text) {
        if (text.codePoints().filter(Character::isLetter).count() < MIN_DETECTABLE_LETTERS) {
            return java.util.Optional.empty();
        }
        com.github.pemistahl.lingua.api.Language detected = Detector.INSTANCE.detectLanguageOf(text);
        return java.util.Arrays.stream(values()).filter(language -> language.lingua == detected).findFirst();
    }

    /** The language with this ISO 639-1 code ({@code de}), case-insensitive; empty for one qaforge does not compare. */
    public static java.util.Optional<Language> ofCode(String code) {
        return java.util.Arrays.stream(values()).filter(language -> language.code().equalsIgnoreCase(code.strip())).findFirst();
    }

    /** The language's name in English ({@code German}), for prompts and messages. */
    public String displayName() {
        return name().charAt(0) + name().substring(1).toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * What a prompt says so that the answer comes back in this language: the request in English, which every model
     * reads, and in the language itself, which makes weaker models switch.
     */
    public String instruction() {
        return "Write every answer in " + displayName() + ", the language of the text. " + ownWords;
    }

    /** The text's language, or English when it cannot be told apart. */
    public static Language of(String text) {
        com.github.pemistahl.lingua.api.Language detected = Detector.INSTANCE.detectLanguageOf(text);
        for (Language language : values()) {
            if (language.lingua == detected) {
                return language;
            }
        }
        return ENGLISH;
    }

    /** Lucene's analyzer for this language: shared, so never closed by its users. */
    public Analyzer analyzer() {
        return analyzer;
    }

    /** ISO 639-1, as {@code en}. */
    public String code() {
        return lingua.getIsoCode639_1().toString();
    }

    /**
     * The text's content words as stems: stopwords left out, and numbers, which are compared as numbers elsewhere
     * ("1,000" and "1000" are one number, and no stem).
     */
    public Set<String> stems(String text) {
        Set<String> stems = new LinkedHashSet<>();
        try (TokenStream tokens = analyzer.tokenStream("", text)) {
            CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
            tokens.reset();
            while (tokens.incrementToken()) {
                if (term.codePoints().anyMatch(Character::isLetter)) {
                    stems.add(term.toString());
                }
            }
            tokens.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringReader does not fail
        }
        return stems;
    }

    private static CharArraySet snowballStopwords(String resource) {
        try (var in = SnowballFilter.class.getResourceAsStream(resource)) {
            return WordlistLoader.getSnowballWordSet(IOUtils.getDecodingReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Built on first use. Low accuracy mode (trigrams only) keeps the models small; on texts of more than about 120
     * characters, as a chunk is, it is about as accurate as the full one. Below the relative distance the
     * two likeliest languages are too close to call.
     */
    private static final class Detector {
        static final LanguageDetector INSTANCE = LanguageDetectorBuilder
                .fromLanguages(java.util.Arrays.stream(values()).map(l -> l.lingua).toArray(com.github.pemistahl.lingua.api.Language[]::new))
                .withLowAccuracyMode()
                .withMinimumRelativeDistance(0.1)
                .build();
    }
}

package io.qaforge.generation.quality;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.qaforge.system.Language;

/**
 * The deterministic part of the grounding gate: cheap checks of a pair against its chunk and the job's own prompt
 * texts, each rejecting under its own reason. They catch what weak models get wrong most often and what no training
 * pair may carry: the prompt's example or instructions copied back ({@code prompt_echo}), markup or code fragments
 * instead of language ({@code markup}), a number or quoted name in the answer that the chunk does not contain
 * ({@code unsupported_number}, {@code unsupported_name}), an answer whose words are mostly not the chunk's
 * ({@code unsupported_content}), and a question about "this spec" that names nothing of the chunk
 * ({@code not_self_contained}). Built once per call, for the chunk, facts and prompts of its task.
 */
public final class Grounding {

    /**
     * A text copies a line or sentence of the prompt when that holds nearly all of its shingles, or when the two are
     * alike as a whole; shingles the chunk has too do not count: a question about a chunk on the example's own subject
     * may say what the example says, and is checked as any other.
     */
    static final double ECHO_CONTAINED = 0.8, ECHO_ALIKE = 0.5;
    /** Shingles of a prompt line (six words) from which a text that holds it whole quotes it. */
    static final int ECHO_QUOTED = 4;

    private static final Pattern NUMBER = Pattern.compile("(?<![\\p{L}\\d.,])\\d+(?:[.,]\\d+)*");
    private static final Pattern WORD = Pattern.compile("\\p{L}+");
    private static final Map<String, String> NUMBER_WORDS = numberWords();
    /** "one" is left out of answers: "the one that", "one of the rules" are no claim of a count. */
    private static final Set<String> AMBIGUOUS_NUMBER_WORDS = Set.of("one");
    private static final Pattern QUOTED = Pattern.compile(
            "\"([^\"]{2,200})\"|\u201C([^\u201D]{2,200})\u201D|`([^`]{2,200})`|(?<![\\p{L}\\d])'([^']{2,200})'(?![\\p{L}\\d])");
    private static final Pattern TAG = Pattern.compile("</?[A-Za-z][\\w:.-]*(\\s[^<>]*)?/?>");
    private static final Pattern CODE_START = Pattern.compile("^(\\{|}|//|/\\*|#include|<\\?|<!|import\\s|def\\s|function\\s|public\\s|class\\s)");
    private static final Pattern DEICTIC = Pattern.compile(
            "\\b(this|that|these|those|the|above|following|said|given)\\s+(spec|specs|specification|document|text|passage|section"
                    + "|chapter|paragraph|article|paper|excerpt|extract|chunk|manual|page|input|snippet|source|author|material)\\b"
                    + "|\\b(according to|based on|in|from)\\s+(it|this|the text|the passage|the document|the excerpt|the input|the above)\\b"
                    + "|^\\W*(what|who|how|why|when|where|which)\\s+(is|are|was|were|does|do|did|can|could|should|would|will)\\s+"
                    + "(it|this|that|they|these|those|he|she)\\b",
            Pattern.CASE_INSENSITIVE);
    private static final Set<String> STOPWORDS = Set.copyOf(List.of(("about above after again against also although among another "
            + "because been before being below between both cannot could does doing down during each either else even every "
            + "from further have having here hers herself himself into itself just least less many more most much must "
            + "neither never none only other ought ours over same shall should since some such than that their theirs them "
            + "then there these they this those through thus under until upon very what when where whether which while whom "
            + "whose with within without would your yours will well used uses using make made like also said says "
            + "text document passage section chapter paragraph spec specification article paper excerpt chunk manual page "
            + "question answer rule rules thing things part parts").split(" ")));
    private static final int KEY_TERMS = 12;
    /**
     * An answer with fewer content words than this ("IANA.", "The one called charset.") says what it claims together with
     * its question, so its support is measured on both.
     */
    static final int MIN_CLAIM_WORDS = 4;

    private final Language language;
    private final double minSupport;
    private final Set<String> chunkNumbers;
    private final Set<Long> chunkShingles;
    private final Set<String> chunkStems;
    private final Set<String> sourceStems;
    private final String chunkWords;
    private final Set<String> keyTerms;
    private final List<Set<Long>> promptUnits;
    private final Set<String> promptLines;

    /**
     * @param facts      the facts the call lists (none in recipe jobs): a pair may word its fact as the fact does
     * @param minSupport the grounding floor: the least share of an answer's content words that the chunk or the facts
     *                   hold ({@code qaforge.generation.min-lexical-support})
     */
  public   Grounding(String chunk, Collection<String> facts, Collection<String> promptTexts, double minSupport) {
        this.language = Language.of(chunk);
        this.minSupport = minSupport;
        this.chunkNumbers = chunkNumbers(chunk);
        this.chunkShingles = NearDuplicates.shingles(chunk);
        this.chunkStems = language.stems(chunk);
        this.sourceStems = new HashSet<>(chunkStems);
        facts.forEach(fact -> sourceStems.addAll(language.stems(fact)));
        this.chunkWords = " " + PairFilter.normalise(chunk) + " ";
        this.keyTerms = keyTerms(chunk);
        this.promptUnits = new ArrayList<>();
        this.promptLines = new HashSet<>();
        for (String prompt : promptTexts) {
            String text = prompt.replaceAll("\\{\\w+}", "\n");
            // Lines (an example pair) and sentences (an instruction wrapped over two lines).
            List<String> units = new ArrayList<>(List.of(text.split("\\R")));
            units.addAll(List.of(text.replaceAll("\\s+", " ").split("(?<=[.?!:])\\s+")));
            for (String unit : units) {
                String normalised = PairFilter.normalise(unit);
                if (!normalised.isEmpty() && promptLines.add(normalised)) {
                    promptUnits.add(NearDuplicates.shingles(normalised));
                }
            }
        }
    }

    /** Why the pair fails the gate, or null; the syntactic filters of {@link PairFilter} come in their place. */
    public String rejectReason(PairParser.Pair pair) {
        String syntactic = PairFilter.rejectReason(pair);
        if ("empty".equals(syntactic) || "truncated".equals(syntactic)) {
            return syntactic;
        }
        if (markupQuestion(pair.question()) || markupAnswer(pair.answer())) {
            return "markup";
        }
        if (echoes(pair.question()) || echoes(pair.answer())) {
            return "prompt_echo";
        }
        if (syntactic != null) {
            return syntactic;
        }
        if (!unsupportedNumbers(pair.answer()).isEmpty()) {
            return "unsupported_number";
        }
        if (unsupportedName(pair.answer())) {
            return "unsupported_name";
        }
        if (support(pair) < minSupport) {
            return "unsupported_content";
        }
        if (!standsAlone(pair.question())) {
            return "not_self_contained";
        }
        return null;
    }

    /**
     * The pair's lexical support: the share of its answer's content words (stems in the chunk's language, without
     * stopwords and numbers) that the chunk or the call's facts hold. The answer is what training teaches the model to
     * say, so it is what must be grounded; a question may rightly use words the chunk lacks ("Which body is
     * responsible for …?"). An answer too short to carry a claim alone is measured with its question. A pair about
     * servers and packets, for a chunk that never mentions them, has little support whatever its wording; an honest
     * paraphrase keeps most of the chunk's terms.
     */
    double support(PairParser.Pair pair) {
        Set<String> words = language.stems(pair.answer());
        if (words.size() < MIN_CLAIM_WORDS) {
            words.addAll(language.stems(pair.question()));
        }
        return share(words, sourceStems);
    }

    /**
     * Why a listed fact is unfit to teach, or null: the same checks, for a statement, and one more, since no judge
     * reads facts: its content words must be the chunk's, to the same floor as an answer's ("This is a list of facts
     * that can be taught" is about the prompt, not the text).
     */
    String factRejectReason(String fact) {
        if (PairFilter.normalise(fact).split(" ").length < 3 || markupAnswer(fact) || markupQuestion(fact)) {
            return "markup";
        }
        if (share(language.stems(fact), chunkStems) < minSupport) {
            return "not_in_chunk";
        }
        if (echoes(fact)) {
            return "prompt_echo";
        }
        if (!unsupportedNumbers(fact).isEmpty()) {
            return "unsupported_number";
        }
        if (unsupportedName(fact)) {
            return "unsupported_name";
        }
        return null;
    }

    /** The numbers of the text, in digits or words, that the chunk does not contain in either way of writing. */
    Set<String> unsupportedNumbers(String text) {
        Set<String> unsupported = new LinkedHashSet<>();
        for (Matcher m = NUMBER.matcher(text); m.find(); ) {
            if (forms(m.group()).stream().noneMatch(chunkNumbers::contains)) {
                unsupported.add(m.group());
            }
        }
        for (Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT)); m.find(); ) {
            String value = NUMBER_WORDS.get(m.group());
            if (value != null && !AMBIGUOUS_NUMBER_WORDS.contains(m.group()) && !chunkNumbers.contains(value)) {
                unsupported.add(m.group());
            }
        }
        return unsupported;
    }

    /** The share of the words found in the source; 1 for no words (an answer of numbers is checked as numbers). */
    private static double share(Set<String> words, Set<String> source) {
        return words.isEmpty() ? 1 : (double) words.stream().filter(source::contains).count() / words.size();
    }

    private boolean unsupportedName(String text) {
        Matcher m = QUOTED.matcher(text);
        while (m.find()) {
            String quoted = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3) != null ? m.group(3) : m.group(4);
            String normalised = PairFilter.normalise(quoted);
            if (!normalised.isEmpty() && !chunkWords.contains(" " + normalised + " ")) {
                return true;
            }
        }
        return false;
    }

    /** The question names its subject, or at least one of the chunk's key terms where it points at "this spec". */
    private boolean standsAlone(String question) {
        if (!DEICTIC.matcher(question).find()) {
            return true;
        }
        for (String word : PairFilter.normalise(question).split(" ")) {
            if (keyTerms.contains(word)) {
                return true;
            }
        }
        return false;
    }

    private boolean echoes(String text) {
        String normalised = PairFilter.normalise(text);
        if (normalised.isEmpty()) {
            return false;
        }
        if (normalised.split(" ").length < 4) {
            return promptLines.contains(normalised);
        }
        Set<Long> shingles = NearDuplicates.shingles(normalised);
        for (Set<Long> unit : promptUnits) {
            long shared = shingles.stream().filter(s -> unit.contains(s) && !chunkShingles.contains(s)).count();
            // Copied from the line, alike as a whole, or the line quoted whole inside a longer text.
            if (shared >= ECHO_CONTAINED * shingles.size() || shared >= ECHO_ALIKE * (shingles.size() + unit.size() - shared)
                    || unit.size() >= ECHO_QUOTED && shared >= ECHO_CONTAINED * unit.size()) {
                return true;
            }
        }
        return false;
    }

    /** A question is language: not tags with a word or two between them, nor mostly symbols, nor a line of code. */
    private static boolean markupQuestion(String text) {
        return markupAnswer(text) || CODE_START.matcher(text.strip()).find() || symbols(text) > alphanumerics(text);
    }

    /**
     * An answer may be code (a manual's example, {@code x <- c(1, 2)}), but not tags alone, a code fence, nor mostly
     * symbols.
     */
    private static boolean markupAnswer(String text) {
        Matcher tags = TAG.matcher(text);
        if (tags.find() && words(tags.replaceAll(" ")) < 3) {
            return true;
        }
        return text.strip().startsWith("```") || symbols(text) > 2 * alphanumerics(text);
    }

    private static int words(String text) {
        int count = 0;
        for (Matcher m = WORD.matcher(text); m.find(); ) {
            count++;
        }
        return count;
    }

    private static long alphanumerics(String text) {
        return text.codePoints().filter(Character::isLetterOrDigit).count();
    }

    private static long symbols(String text) {
        return text.codePoints().filter(c -> !Character.isLetterOrDigit(c) && !Character.isWhitespace(c)).count();
    }

    /** Every number of the chunk in each of its ways of writing, and the values of its number words. */
    private static Set<String> chunkNumbers(String chunk) {
        Set<String> numbers = new HashSet<>();
        for (Matcher m = NUMBER.matcher(chunk); m.find(); ) {
            numbers.addAll(forms(m.group()));
        }
        for (Matcher m = WORD.matcher(chunk.toLowerCase(Locale.ROOT)); m.find(); ) {
            String value = NUMBER_WORDS.get(m.group());
            if (value != null) {
                numbers.add(value);
            }
        }
        return numbers;
    }

    /** "1,000" is also 1000, "1000" also 1,000, "3,5" also 3.5. */
    private static Set<String> forms(String number) {
        Set<String> forms = new HashSet<>();
        forms.add(number);
        if (number.matches("\\d{1,3}(,\\d{3})+")) {
            forms.add(number.replace(",", ""));
        } else if (number.matches("\\d+,\\d+")) {
            forms.add(number.replace(',', '.'));
        } else if (number.matches("\\d{4,}")) {
            forms.add(number.replaceAll("(\\d)(?=(\\d{3})+$)", "$1,"));
        }
        return forms;
    }

    /** The chunk's most frequent content words, and its names (capitalised, with digits or underscores). */
    private static Set<String> keyTerms(String chunk) {
        Map<String, Integer> counts = new HashMap<>();
        Set<String> names = new HashSet<>();
        for (String token : chunk.split("[^\\p{L}\\p{N}_]+")) {
            String word = token.toLowerCase(Locale.ROOT);
            if (word.length() < 4 || STOPWORDS.contains(word) || word.chars().allMatch(Character::isDigit)) {
                continue;
            }
            counts.merge(word, 1, Integer::sum);
            if (token.chars().anyMatch(c -> Character.isDigit(c) || c == '_') || token.chars().skip(1).anyMatch(Character::isUpperCase)) {
                names.add(word);
            }
        }
        Set<String> terms = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(KEY_TERMS).map(Map.Entry::getKey).collect(Collectors.toCollection(HashSet::new));
        terms.addAll(names);
        return terms;
    }

    private static Map<String, String> numberWords() {
        String[] units = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                + "sixteen seventeen eighteen nineteen twenty").split(" ");
        Map<String, String> words = new HashMap<>();
        for (int i = 0; i < units.length; i++) {
            words.put(units[i], Integer.toString(i));
        }
        String[] tens = "thirty forty fifty sixty seventy eighty ninety".split(" ");
        for (int i = 0; i < tens.length; i++) {
            words.put(tens[i], Integer.toString(30 + 10 * i));
        }
        words.put("hundred", "100");
        words.put("thousand", "1000");
        words.put("million", "1000000");
        return Map.copyOf(words);
    }
}

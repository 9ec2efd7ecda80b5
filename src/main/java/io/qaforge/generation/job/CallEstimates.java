package io.qaforge.generation.job;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

import io.qaforge.document.TokenCounter;
import io.qaforge.generation.job.JobPlanner.Judge;
import io.qaforge.generation.provider.GenerationProperties;
import io.qaforge.generation.provider.Providers;
import io.qaforge.generation.queue.CallEstimate;
import io.qaforge.generation.queue.TaskKind;
import io.qaforge.generation.steps.Prompts;
import io.qaforge.generation.steps.StudyPrompts;

/**
 * What one call is expected to take and cost, before it is made: the planners add these up into a job's estimate,
 * and the writers reserve them for the tasks they add as answers come in (pair calls, judges, top-ups), so the number
 * a user sees is the number the job reserves.
 */
@Component
public class CallEstimates {

    // Measured on the stand-in's fact jobs (bench/fake_openai.py, FakeOpenAi: a careful model's answers) so that their
    // final cost lands within a tenth of the estimate; a job's own first answers correct the rest (projectedCostUsd).
    /** Completion tokens one question/answer pair takes, its fact's wording in the answer. */
    static final int EXPECTED_TOKENS_PER_PAIR = 72;
    /** Tokens of one listed fact (a sentence of the chunk), in a facts call's answer and in the prompts that carry it. */
    static final int EXPECTED_TOKENS_PER_FACT = 36;
    /** Completion tokens of one judge verdict line. */
    static final int EXPECTED_TOKENS_PER_VERDICT = 6;
    /**
     * The share of asked-for pairs a fact job expects to accept (gate and judge): it sizes the expected top-ups. A
     * careful model's; a weaker one's extra rounds show in the projection once its first verdicts are in.
     */
    static final double EXPECTED_YIELD = 0.9;
    /** Chat formatting tokens around each message. */
    static final int MESSAGE_OVERHEAD_TOKENS = 8;
    /** Completion tokens of one study passage (about 250 words). */
    static final int EXPECTED_TOKENS_PER_PASSAGE = 350;
    /** Focal study passages a remediation round writes per chunk it tops up. */
    static final int FOCAL_PASSAGES = 2;

    /** A study call to make: its strategy and temperature, and what it is expected to take. */
    public record StudyCall(StudyStrategy strategy, BigDecimal temperature, CallEstimate call) {
    }

    private final Providers providers;
    private final TokenCounter tokens;
    private final Map<String, Integer> templateTokens = new ConcurrentHashMap<>();

    CallEstimates(Providers providers, TokenCounter tokens) {
        this.providers = providers;
        this.tokens = tokens;
    }

    /** A fact job's calls for one chunk after its facts step: the sweep, the judge, the expected top-up rounds. */
    void factJobChunk(JobSpec spec, boolean json, int chunkTokens, int facts, int perCall, int temperatures, Tally tally) {
        Judge judge = spec.params().judge();
        CallEstimate sweep = factPairsCall(spec, json, chunkTokens, facts, perCall);
        for (int i = 0; i < temperatures; i++) {
            tally.add(sweep, perCall, TaskKind.PAIRS);
            if (judge != null) {
                tally.add(judgeCall(spec, json, chunkTokens, perCall), 0, TaskKind.JUDGE);
            }
        }
        for (int asked : spec.params().coverage().expectedTopUps(temperatures, EXPECTED_YIELD)) {
            tally.addTopUp(factPairsCall(spec, json, chunkTokens, facts, asked * facts), asked * facts);
            if (judge != null) {
                tally.add(judgeCall(spec, json, chunkTokens, asked * facts), 0, TaskKind.JUDGE);
            }
        }
    }

    /**
     * A chunk's study calls, one per passage, each at its own temperature; {@code facts}: how many facts a relations
     * passage's prompt carries.
     */
    public List<StudyCall> studyCalls(JobSpec spec, boolean json, int chunkTokens, int chunkIndex, int facts) {
        List<StudyStrategy> strategies = spec.params().study().of(chunkIndex);
        List<StudyCall> calls = new ArrayList<>();
        for (int i = 0; i < strategies.size(); i++) {
            StudyStrategy strategy = strategies.get(i);
            calls.add(new StudyCall(strategy, Study.temperature(i, strategies.size()),
                    studyCall(spec, chunkTokens, strategy == StudyStrategy.RELATIONS ? facts : 0)));
        }
        return calls;
    }

    /** A remediation round's focal passages of a chunk, centred on {@code facts} facts. */
    List<StudyCall> focalCalls(JobSpec spec, int chunkTokens, int facts) {
        List<StudyCall> calls = new ArrayList<>();
        for (int i = 0; i < FOCAL_PASSAGES; i++) {
            calls.add(new StudyCall(StudyStrategy.FOCAL, Study.temperature(i, FOCAL_PASSAGES), studyCall(spec, chunkTokens, facts)));
        }
        return calls;
    }

    private CallEstimate studyCall(JobSpec spec, int chunkTokens, int facts) {
        int prompt = overhead(StudyPrompts.study(spec.context(), "", StudyStrategy.CONCEPTS, "")) + chunkTokens
                + facts * (EXPECTED_TOKENS_PER_FACT + 4);
        return price(spec, spec.provider(), spec.model(), prompt, EXPECTED_TOKENS_PER_PASSAGE);
    }

    public CallEstimate studyJudgeCall(JobSpec spec, boolean json, int chunkTokens) {
        Judge judge = spec.params().judge();
        int prompt = overhead(StudyPrompts.judge(spec.context(), "", "", json)) + chunkTokens + EXPECTED_TOKENS_PER_PASSAGE;
        return price(spec, judge.provider(), judge.model(), prompt, EXPECTED_TOKENS_PER_VERDICT);
    }

    CallEstimate factsCall(JobSpec spec, boolean json, int chunkTokens, int facts) {
        int prompt = overhead(Prompts.facts(Prompts.FACTS_TEMPLATE, spec.context(), "", facts, json)) + chunkTokens;
        return price(spec, spec.provider(), spec.model(), prompt, facts * EXPECTED_TOKENS_PER_FACT);
    }

    /** A fact job's pair call: its template, the chunk, the facts it carries and the pairs it asks for. */
    public CallEstimate factPairsCall(JobSpec spec, boolean json, int chunkTokens, int facts, int pairs) {
        int prompt = overhead(Prompts.factPairs(Prompts.FACT_PAIRS_TEMPLATE, spec.context(), "", "", "", json))
                + chunkTokens + facts * (EXPECTED_TOKENS_PER_FACT + 8);
        return price(spec, spec.provider(), spec.model(), prompt, pairs * EXPECTED_TOKENS_PER_PAIR);
    }

    public CallEstimate judgeCall(JobSpec spec, boolean json, int chunkTokens, int pairs) {
        Judge judge = spec.params().judge();
        int prompt = overhead(Prompts.judge(judge.prompt(), spec.context(), "", "", json)) + chunkTokens
                + pairs * (EXPECTED_TOKENS_PER_PAIR + 6);
        return price(spec, judge.provider(), judge.model(), prompt, pairs * EXPECTED_TOKENS_PER_VERDICT);
    }

    CallEstimate recipeCall(JobSpec spec, boolean json, String variant, int chunkTokens, int n) {
        // The template's own tokens once per variant, plus the chunk's (counted at ingestion with the same encoding).
        int prompt = overhead(Prompts.render(Prompts.template(variant, spec.params().prompts()), spec.context(), "", n, json)) + chunkTokens;
        return price(spec, spec.provider(), spec.model(), prompt, n * EXPECTED_TOKENS_PER_PAIR);
    }

    private int overhead(String prompt) {
        return templateTokens.computeIfAbsent(prompt, text -> MESSAGE_OVERHEAD_TOKENS + tokens.count(text));
    }

    /** At the batch price where the job runs in batches and this provider takes them (a judge's may not). */
    private CallEstimate price(JobSpec spec, String providerName, String model, int promptTokens, int completionTokens) {
        GenerationProperties.Price price = providers.price(providerName, model);
        if (price == null) {
            return new CallEstimate(promptTokens, completionTokens, BigDecimal.ZERO, BigDecimal.ZERO, false);
        }
        boolean batch = spec.params().batch() && providers.batches(providerName);
        return new CallEstimate(promptTokens, completionTokens, price.cost(promptTokens, completionTokens, batch),
                price.cost(0, completionTokens, batch), true);
    }
}

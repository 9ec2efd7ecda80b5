package io.qaforge.generation;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

import io.qaforge.generation.job.RequestValidator;
import io.qaforge.generation.job.JobRequest;
import io.qaforge.generation.job.Mode;
import io.qaforge.generation.job.Strategy;
import io.qaforge.generation.job.Study;
import io.qaforge.generation.job.Temperatures;
import io.qaforge.generation.provider.Providers;
import io.qaforge.generation.steps.Coverage;
import io.qaforge.generation.steps.Prompts;
import io.qaforge.generation.steps.Splits;
import io.qaforge.system.Language;

/**
 * What a client needs to offer a job's choices and to follow a job: the limits and defaults {@code POST /api/jobs}
 * checks and applies, the providers and models it accepts now, and the statuses a job goes through. Built from the
 * constants and configuration the planner itself uses, so a form built from it offers nothing the API refuses.
 * The configuration is fixed at start-up, so one instance serves for the life of the service.
 *
 * @param terminalStatuses the statuses after which a job changes only when a user retries or cancels it
 * @param strategies       {@code facts} (the default) and {@code recipe}; variants and prompts are for recipe jobs
 * @param defaultCoverage  a fact job's coverage target unless it names one; at most {@code maxPhrasings} each
 * @param splits           what a job may split by; {@code fact} for fact jobs only (their default), {@code pair} the
 *                         default of recipe jobs
 * @param modes            {@code sync} (the default) and {@code batch}, for providers that take batches
 * @param study            the study strategies a job may choose (all of them, one passage each, by default in fact jobs)
 *                         and the most passages per chunk
 * @param languages        the ISO 639-1 codes a job's {@code language} may name; none: each document's own
 */
@Component
public record JobChoices(
        int contextMaxLength,
        TemperatureLimits temperatures,
        List<String> variants,
        List<String> defaultVariants,
        double defaultTestFraction,
        List<Provider> providers,
        List<JobStatus> statuses,
        List<JobStatus> terminalStatuses,
        List<String> strategies,
        Coverage defaultCoverage,
        int maxPhrasings,
        List<String> splits,
        List<String> modes,
        StudyChoices study,
        List<String> languages) {

    /** @param defaultPerChunk passages per chunk where a job names no count: one per strategy */
    public record StudyChoices(List<String> strategies, int defaultPerChunk, int maxPerChunk) {
    }

    /** Each temperature lies in [min, max]; {@code {count, min, max}} asks for at most maxCount of them. */
    public record TemperatureLimits(int min, int max, int maxCount, int defaultCount, double defaultMin, double defaultMax) {
    }

    /** A provider a job can use now; no models means it takes any model name; {@code batch}: it takes batch-mode jobs. */
    public record Provider(String name, List<Model> models, boolean batch) {
    }

    /**
     * Prices in US dollars per million tokens; null where the model has none, so a job's cost stays unknown.
     *
     * @param batchDiscount the share of the price a batch-mode job saves (0.5: half price)
     */
    public record Model(String name, BigDecimal inputPerMillion, BigDecimal outputPerMillion, BigDecimal batchDiscount) {
    }

    @Autowired
    JobChoices(Providers providers) {
        this(JobRequest.CONTEXT_MAX_LENGTH,
                new TemperatureLimits(Temperatures.MIN, Temperatures.MAX, Temperatures.MAX_COUNT,
                        Temperatures.DEFAULT_COUNT, Temperatures.DEFAULT_MIN, Temperatures.DEFAULT_MAX),
                Prompts.BUILT_IN, Prompts.DEFAULT_VARIANTS, RequestValidator.DEFAULT_TEST_FRACTION, providers.usable(),
                List.of(JobStatus.values()), Arrays.stream(JobStatus.values()).filter(JobStatus::terminal).toList(),
                Arrays.stream(Strategy.values()).map(s -> s.name().toLowerCase(Locale.ROOT)).toList(), Coverage.DEFAULT,
                JobRequest.MAX_PHRASINGS, Arrays.stream(Splits.By.values()).map(s -> s.name().toLowerCase(Locale.ROOT)).toList(),
                Arrays.stream(Mode.values()).map(Mode::column).toList(),
                new StudyChoices(Study.DEFAULT.strategies(), Study.DEFAULT.perChunk(), Study.MAX_PER_CHUNK),
                Arrays.stream(Language.values()).map(Language::code).toList());
    }
}

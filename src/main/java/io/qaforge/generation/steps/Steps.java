package io.qaforge.generation.steps;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import tools.jackson.databind.json.JsonMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.qaforge.document.Chunk;
import io.qaforge.document.ChunkRepository;
import io.qaforge.generation.job.JobSpec;
import io.qaforge.generation.job.Languages;
import io.qaforge.generation.job.StudyStrategy;
import io.qaforge.generation.provider.GenerationProperties;
import io.qaforge.generation.quality.FactList;
import io.qaforge.generation.quality.Grounding;
import io.qaforge.generation.quality.PairFilter;
import io.qaforge.generation.quality.PairParser;
import io.qaforge.generation.quality.Verdicts;
import io.qaforge.generation.queue.TaskQueue;
import io.qaforge.system.Language;
import io.qaforge.generation.queue.Work;

/**
 * What each kind of task asks its provider and what becomes of the answer. A step is built when its task runs, from
 * what the database holds then (the chunk, its facts, the pairs to grade), so a task run again after a crash asks the
 * same; its {@link Work.Step#read} parses the answer outside any transaction and hands back what the completing
 * transaction stores.
 */
@Component
public class Steps implements Work {

    /** A fact as a pair call lists it: {@code F<number>}, counted from 1 in the chunk's order. */
    record ListedFact(long id, String text) {
    }

    private final ChunkRepository chunks;
    private final JdbcClient db;
    private final PairWriter pairs;
    private final FactWriter facts;
    private final JudgeWriter judge;
    private final TopUps topUps;
    private final JsonMapper mapper;
    private final double minLexicalSupport;
    private final Languages languages;
    private final StudySteps study;

    Steps(ChunkRepository chunks, JdbcClient db, PairWriter pairs, FactWriter facts, JudgeWriter judge, TopUps topUps,
          GenerationProperties properties, JsonMapper mapper, Languages languages, StudySteps study) {
        this.languages = languages;
        this.study = study;
        this.chunks = chunks;
        this.db = db;
        this.pairs = pairs;
        this.facts = facts;
        this.judge = judge;
        this.topUps = topUps;
        this.mapper = mapper;
        this.minLexicalSupport = properties.minLexicalSupport();
    }

    @Override
    public Step prepare(JobSpec spec, TaskQueue.Claimed task, boolean json) {
        Chunk chunk = chunks.findById(task.chunkId()).orElseThrow();
        Language language = languages.of(spec.params(), chunk);
        Step step = switch (task.kind()) {
            case FACTS -> factsStep(spec, task, chunk, json);
            case JUDGE -> judgeStep(spec, task, chunk, json);
            case STUDY -> study.study(spec, task, chunk, language,
                    StudyStrategy.of(task.variant()).usesFacts() ? listed(task) : List.of(), minLexicalSupport);
            case STUDY_JUDGE -> study.judge(spec, task, chunk, json);
            case PAIRS -> spec.params().facts() ? factPairsStep(spec, task, chunk, json) : recipeStep(spec, task, chunk, json);
        };
        // Every prompt, the judge's too, asks for the language of the text: what is read and written stays in it.
        return new Step(step.model(), step.temperature(), Languages.instruct(step.prompt(), language), step.schema(), step.reader());
    }

    private Step recipeStep(JobSpec spec, TaskQueue.Claimed task, Chunk chunk, boolean json) {
        String prompt = Prompts.render(Prompts.template(task.variant(), spec.params().prompts()), spec.context(), chunk.getText(),
                task.questions(), json);
        Grounding gate = gate(spec, chunk, List.of());
        return new Step(spec.model(), task.temperature().doubleValue(), prompt, json ? Prompts.JSON_SCHEMA : null, content -> {
            List<PairWriter.Draft> drafts = PairParser.parse(mapper, content, json).stream()
                    .map(pair -> new PairWriter.Draft(pair, null, null)).toList();
            return () -> pairs.write(task, spec, gate, chunk.getTokens(), drafts);
        });
    }

    private Step factsStep(JobSpec spec, TaskQueue.Claimed task, Chunk chunk, boolean json) {
        String prompt = Prompts.facts(spec.params().prompts().get(Prompts.FACTS), spec.context(), chunk.getText(), task.questions(), json);
        Grounding gate = gate(spec, chunk, List.of());
        return new Step(spec.model(), 0, prompt, json ? Prompts.FACTS_SCHEMA : null, content -> {
            List<String> listed = FactList.parse(mapper, content, json, gate, task.questions());
            return () -> facts.write(task, spec, chunk.getTokens(), listed);
        });
    }

    /**
     * A pair call of a fact job: the chunk's facts, numbered, then what this call asks for. The sweep asks one pair per
     * fact in the task's direction; a top-up round asks only for what each fact still lacks.
     */
    private Step factPairsStep(JobSpec spec, TaskQueue.Claimed task, Chunk chunk, boolean json) {
        List<ListedFact> listed = listed(task);
        StringBuilder block = new StringBuilder();
        for (int i = 0; i < listed.size(); i++) {
            block.append('F').append(i + 1).append(". ").append(listed.get(i).text()).append('\n');
        }
        String request;
        Map<Long, Coverage.Missing> missing = Map.of();
        if (task.round() == 0) {
            List<String> tags = new ArrayList<>();
            for (int i = 1; i <= listed.size(); i++) {
                tags.add("F" + i);
            }
            request = "Write " + listed.size() + " question/answer pairs, one " + task.variant() + " pair for each fact: "
                    + String.join(", ", tags) + ".";
        } else {
            missing = topUps.missing(spec, task.jobId(), task.chunkId());
            StringBuilder wanted = new StringBuilder();
            int total = 0;
            for (int i = 0; i < listed.size(); i++) {
                Coverage.Missing lack = missing.get(listed.get(i).id());
                if (lack != null && lack.total() > 0) {
                    wanted.append("- F").append(i + 1).append(": ");
                    List<String> parts = new ArrayList<>();
                    if (lack.forward() > 0) {
                        parts.add(lack.forward() + " forward");
                    }
                    if (lack.reverse() > 0) {
                        parts.add(lack.reverse() + " reverse");
                    }
                    wanted.append(String.join(", ", parts)).append('\n');
                    total += lack.total();
                }
            }
            request = "Earlier pairs leave some facts short of phrasings. Write " + total + " new question/answer pairs, "
                    + "each worded differently from the plainest question about its fact:\n" + wanted.toString().strip();
        }
        String prompt = Prompts.factPairs(spec.params().prompts().get(Prompts.PAIRS), spec.context(), chunk.getText(),
                block.toString().strip(), request, json);
        Grounding gate = gate(spec, chunk, listed.stream().map(ListedFact::text).toList());
        Map<Long, Coverage.Missing> lacking = missing;
        return new Step(spec.model(), task.temperature().doubleValue(), prompt, json ? Prompts.FACT_PAIRS_SCHEMA : null, content -> {
            List<PairWriter.Draft> drafts = new ArrayList<>();
            for (PairParser.Pair pair : PairParser.parse(mapper, content, json)) {
                List<Long> ids = factIds(pair, listed);
                drafts.add(new PairWriter.Draft(pair, ids, direction(pair, task, ids, lacking)));
            }
            return () -> pairs.write(task, spec, gate, chunk.getTokens(), drafts);
        });
    }

    private Step judgeStep(JobSpec spec, TaskQueue.Claimed task, Chunk chunk, boolean json) {
        List<JudgeWriter.Graded> graded = judge.pending(task.gradedTaskId());
        StringBuilder block = new StringBuilder();
        for (int i = 0; i < graded.size(); i++) {
            block.append(i + 1).append(". Q: ").append(graded.get(i).question().replace('\n', ' ')).append("\n   A: ")
                    .append(graded.get(i).answer().replace('\n', ' ')).append('\n');
        }
        String prompt = graded.isEmpty() ? null
                : Prompts.judge(spec.params().judge().prompt(), spec.context(), chunk.getText(), block.toString().strip(), json);
        return new Step(spec.params().judge().model(), 0, prompt, json ? Prompts.VERDICTS_SCHEMA : null, content -> {
            var verdicts = Verdicts.parse(mapper, content, json, graded.size());
            return () -> judge.write(task, graded, verdicts);
        });
    }

    /** The facts a pair call carries: the job's facts of the chunk (a remediation job's: the ones it tops up). */
    private List<ListedFact> listed(TaskQueue.Claimed task) {
        return db.sql("""
                        SELECT f.id, f.text FROM job_fact jf JOIN fact f ON f.id = jf.fact_id
                        WHERE jf.job_id = ? AND jf.chunk_id = ? ORDER BY f.ordinal, f.id""")
                .params(task.jobId(), task.chunkId())
                .query((rs, i) -> new ListedFact(rs.getLong("id"), rs.getString("text"))).list();
    }

    /**
     * The facts a pair names; when it names none that the call listed, the fact whose words it shares most (at least
     * two of its content words, or a third of them); none when no fact is close, and the writer rejects it.
     */
    static List<Long> factIds(PairParser.Pair pair, List<ListedFact> listed) {
        Set<Long> ids = new LinkedHashSet<>();
        for (int number : pair.facts()) {
            if (number >= 1 && number <= listed.size()) {
                ids.add(listed.get(number - 1).id());
            }
        }
        if (!ids.isEmpty()) {
            return List.copyOf(ids);
        }
        Set<String> words = contentWords(pair.question() + " " + pair.answer());
        ListedFact best = null;
        double bestScore = 0;
        for (ListedFact fact : listed) {
            Set<String> factWords = contentWords(fact.text());
            long shared = factWords.stream().filter(words::contains).count();
            double score = factWords.isEmpty() ? 0 : (double) shared / factWords.size();
            if ((shared >= 2 || score >= 1 / 3.0) && score > bestScore) {
                best = fact;
                bestScore = score;
            }
        }
        return best == null ? List.of() : List.of(best.id());
    }

    /** The pair's own direction; else what its call asked for (in a top-up round: reverse where only that is lacking). */
    private static String direction(PairParser.Pair pair, TaskQueue.Claimed task, List<Long> factIds, Map<Long, Coverage.Missing> missing) {
        if (pair.direction() != null) {
            return pair.direction();
        }
        if (task.round() == 0) {
            return task.variant();
        }
        Coverage.Missing lack = factIds.isEmpty() ? null : missing.get(factIds.getFirst());
        return lack != null && lack.forward() == 0 && lack.reverse() > 0 ? "reverse" : "forward";
    }

    private static Set<String> contentWords(String text) {
        Set<String> words = new LinkedHashSet<>();
        for (String word : PairFilter.normalise(text).split(" ")) {
            if (word.length() >= 4) {
                words.add(word);
            }
        }
        return words;
    }

    /** The gate of a call: its chunk and facts, and every prompt text the job sends (a pair must not echo them). */
    private Grounding gate(JobSpec spec, Chunk chunk, List<String> facts) {
        Collection<String> prompts = new ArrayList<>(spec.params().prompts().values());
        prompts.add(spec.context());
        prompts.addAll(Prompts.formats());
        return new Grounding(chunk.getText(), languages.of(spec.params(), chunk), facts, prompts, minLexicalSupport);
    }
}

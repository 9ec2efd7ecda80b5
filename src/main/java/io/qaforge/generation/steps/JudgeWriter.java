package io.qaforge.generation.steps;

import java.util.List;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import io.qaforge.generation.quality.Verdicts;
import io.qaforge.generation.queue.TaskQueue;

/**
 * The judge's side of the store: which pairs a judge call grades (the graded call's pairs still awaiting it), and its
 * verdicts, stored with their answers inside the transaction that marks the judge's task done. A pair that fails is
 * rejected under the judge's reason ({@code judge_unsupported}, {@code judge_not_self_contained},
 * {@code judge_off_topic}); one the answer left out is rejected as {@code judge_no_verdict} (verdict {@code none}).
 */
@Component
public class JudgeWriter {

    record Graded(long id, String question, String answer) {
    }

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final TopUps topUps;

    JudgeWriter(JdbcClient jdbc, JsonMapper json, TopUps topUps) {
        this.jdbc = jdbc;
        this.json = json;
        this.topUps = topUps;
    }

    List<Graded> pending(long gradedTaskId) {
        return jdbc.sql("""
                        SELECT id, question, answer FROM qa_pair
                        WHERE task_id = ? AND judge_verdict = 'pending' AND rejected_reason IS NULL ORDER BY ordinal""")
                .param(gradedTaskId).query(Graded.class).list();
    }

    void write(TaskQueue.Claimed task, List<Graded> graded, Map<Integer, Verdicts.Verdict> verdicts) {
        String[] verdictColumn = new String[graded.size()];
        String[] scoresColumn = new String[graded.size()];
        String[] reasons = new String[graded.size()];
        for (int i = 0; i < graded.size(); i++) {
            Verdicts.Verdict verdict = verdicts.get(i + 1);
            if (verdict == null) {
                verdictColumn[i] = "none";
                reasons[i] = Verdicts.NO_VERDICT;
                continue;
            }
            ObjectNode scores = json.createObjectNode().put("supported", verdict.supported())
                    .put("selfContained", verdict.selfContained()).put("aboutDocument", verdict.aboutDocument());
            if (verdict.score() != null) {
                scores.put("score", verdict.score());
            }
            verdictColumn[i] = verdict.passed() ? "pass" : "fail";
            scoresColumn[i] = scores.toString();
            reasons[i] = verdict.rejectReason();
        }
        // One statement for every pair graded: the columns as arrays, zipped back into rows by unnest.
        jdbc.sql("""
                        UPDATE qa_pair SET judge_verdict = v.verdict, judge_scores = v.scores::jsonb, rejected_reason = v.reason
                        FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[]) AS v(id, verdict, scores, reason)
                        WHERE qa_pair.id = v.id AND qa_pair.judge_verdict = 'pending'""")
                .params(graded.stream().map(Graded::id).toArray(Long[]::new), verdictColumn, scoresColumn, reasons).update();
        topUps.afterCall(task);
    }
}

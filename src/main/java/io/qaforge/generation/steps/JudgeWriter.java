package io.qaforge.generation.steps;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import org.springframework.jdbc.core.JdbcTemplate;
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

    private final JdbcTemplate jdbc;
    private final JsonMapper json;
    private final TopUps topUps;

    JudgeWriter(JdbcTemplate jdbc, JsonMapper json, TopUps topUps) {
        this.jdbc = jdbc;
        this.json = json;
        this.topUps = topUps;
    }

    List<Graded> pending(long gradedTaskId) {
        return jdbc.query("""
                        SELECT id, question, answer FROM qa_pair
                        WHERE task_id = ? AND judge_verdict = 'pending' AND rejected_reason IS NULL ORDER BY ordinal""",
                (rs, i) -> new Graded(rs.getLong("id"), rs.getString("question"), rs.getString("answer")), gradedTaskId);
    }

    void write(TaskQueue.Claimed task, List<Graded> graded, Map<Integer, Verdicts.Verdict> verdicts) {
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < graded.size(); i++) {
            Verdicts.Verdict verdict = verdicts.get(i + 1);
            if (verdict == null) {
                rows.add(new Object[]{"none", null, Verdicts.NO_VERDICT, graded.get(i).id()});
                continue;
            }
            ObjectNode scores = json.createObjectNode().put("supported", verdict.supported())
                    .put("selfContained", verdict.selfContained()).put("aboutDocument", verdict.aboutDocument());
            if (verdict.score() != null) {
                scores.put("score", verdict.score());
            }
            rows.add(new Object[]{verdict.passed() ? "pass" : "fail", scores.toString(), verdict.rejectReason(), graded.get(i).id()});
        }
        jdbc.batchUpdate("""
                UPDATE qa_pair SET judge_verdict = ?, judge_scores = ?::jsonb, rejected_reason = ?
                WHERE id = ? AND judge_verdict = 'pending'""", rows);
        topUps.afterCall(task);
    }
}

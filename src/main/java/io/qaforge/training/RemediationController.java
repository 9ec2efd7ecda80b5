package io.qaforge.training;

import java.math.BigDecimal;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * Remediation rounds: what a trained run missed becomes a top-up job and a next run on the same exam, and every round
 * of a lineage shows its recall beside the others.
 */
@RestController
@RequestMapping("/api/trainings/{id}")
class RemediationController {

    record Rounds(UUID runId, List<Remediation.Round> rounds) {
    }

    private final Remediation remediation;

    RemediationController(Remediation remediation) {
        this.remediation = remediation;
    }

    @Operation(summary = "What remediating a trained run would generate and cost: its missed questions, their facts or chunks, the top-ups' estimate")
    @GetMapping("/remediate/estimate")
    Remediation.Plan estimate(@PathVariable UUID id) {
        return remediation.estimate(id);
    }

    /**
     * The body holds only {@code maxCostUsd} (the budget of the round's top-up jobs together; none when absent): the
     * next round keeps the run's base model, params and exam, so anything else is refused rather than ignored.
     */
    @Operation(summary = "Queue a remediation round: top-up jobs for the facts (or chunks) behind the missed questions, and a run on the union")
    @PostMapping("/remediate")
    ResponseEntity<Remediation.Plan> remediate(@PathVariable UUID id, @RequestBody(required = false) Map<String, Object> body) {
        Map<String, Object> fields = body == null ? Map.of() : body;
        Set<String> others = new TreeSet<>(fields.keySet());
        others.remove("maxCostUsd");
        if (!others.isEmpty()) {
            throw invalid("a remediation takes only maxCostUsd; the next round keeps the run's base model, params and exam (not "
                    + String.join(", ", others) + ")");
        }
        Object budget = fields.get("maxCostUsd");
        if (budget != null && !(budget instanceof Number n && n.doubleValue() > 0 && Double.isFinite(n.doubleValue()))) {
            throw invalid("maxCostUsd must be a number greater than 0");
        }
        Remediation.Plan plan = remediation.remediate(id, budget == null ? null : new BigDecimal(budget.toString()));
        return ResponseEntity.accepted().location(URI.create("/api/trainings/" + plan.trainingRunId())).body(plan);
    }

    private static ApiProblem invalid(String detail) {
        return ApiProblem.badRequest(ProblemType.INVALID_REQUEST, "Invalid request", detail);
    }

    @Operation(summary = "Every round of the run's remediation lineage with its recall before / in context / after")
    @GetMapping("/rounds")
    Rounds rounds(@PathVariable UUID id) {
        return new Rounds(id, remediation.rounds(id));
    }
}

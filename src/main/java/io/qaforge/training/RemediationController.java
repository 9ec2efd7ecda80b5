package io.qaforge.training;

import java.math.BigDecimal;
import java.net.URI;
import java.util.List;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Positive;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Remediation rounds: what a trained run missed becomes a top-up job and a next run on the same exam, and every round
 * of a lineage shows its recall beside the others.
 */
@RestController
@RequestMapping("/api/trainings/{id}")
class RemediationController {

    /** @param maxCostUsd the budget of the round's top-up jobs together; none when absent */
    record RemediateRequest(@Positive BigDecimal maxCostUsd) {
    }

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

    @Operation(summary = "Queue a remediation round: top-up jobs for the facts (or chunks) behind the missed questions, and a run on the union")
    @PostMapping("/remediate")
    ResponseEntity<Remediation.Plan> remediate(@PathVariable UUID id, @Valid @RequestBody(required = false) RemediateRequest request) {
        Remediation.Plan plan = remediation.remediate(id, request == null ? null : request.maxCostUsd());
        return ResponseEntity.accepted().location(URI.create("/api/trainings/" + plan.trainingRunId())).body(plan);
    }

    @Operation(summary = "Every round of the run's remediation lineage with its recall before / in context / after")
    @GetMapping("/rounds")
    Rounds rounds(@PathVariable UUID id) {
        return new Rounds(id, remediation.rounds(id));
    }
}

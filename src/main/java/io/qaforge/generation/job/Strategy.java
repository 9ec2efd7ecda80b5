package io.qaforge.generation.job;

import java.util.Locale;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * How a job turns chunks into pairs. {@code FACTS} lists each chunk's facts first and asks for pairs per fact and
 * direction until every fact has its phrasings; {@code RECIPE} asks per chunk × temperature × variant, as the reference
 * recipe does. A request without a strategy asks for a fact job; every stored job has one (V16 backfilled the jobs
 * stored before fact jobs as recipe jobs).
 */
public enum Strategy {
    FACTS, RECIPE;

    static Strategy parse(String value) {
        if (value == null || value.isBlank()) {
            return FACTS;
        }
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badRequest(ProblemType.INVALID_STRATEGY, "Invalid strategy", "strategy is 'facts' or 'recipe', was '" + value + "'");
        }
    }
}

package io.qaforge.generation.job;

import java.util.Locale;

import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/**
 * How a job turns chunks into pairs. {@code FACTS} lists each chunk's facts first and asks for pairs per fact and
 * direction until every fact has its phrasings; {@code RECIPE} asks per chunk × temperature × variant, as the reference
 * recipe does (and as every job did before fact jobs: a stored job without a strategy is a recipe job).
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

package io.qaforge.generation.job;

import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** The job spec's {@code study}: its defaults and the strategies each chunk gets. */
class StudyTest {

    static final JsonMapper JSON = new JsonMapper();

    @Test
    void studyDefaultsToEveryStrategyAndEachChunkStartsOneFurther() {
        assertThat(Study.parse(null, Strategy.FACTS).strategies()).containsExactly("concepts", "implications", "teacher", "case", "discussion",
                "outline", "relations");
        assertThat(Study.parse(JSON.readTree("false"), Strategy.FACTS)).isNull();
        assertThat(Study.parse(null, Strategy.RECIPE)).as("the reference recipe, unless asked").isNull();
        Study two = Study.parse(JSON.readTree("{\"strategies\":[\"teacher\",\"outline\",\"case\"],\"perChunk\":2}"), Strategy.RECIPE);
        assertThat(two.of(0)).containsExactly(StudyStrategy.TEACHER, StudyStrategy.OUTLINE);
        assertThat(two.of(1)).containsExactly(StudyStrategy.OUTLINE, StudyStrategy.CASE);
        assertThat(Study.temperature(0, 7)).isNotEqualByComparingTo(Study.temperature(1, 7));
    }
}

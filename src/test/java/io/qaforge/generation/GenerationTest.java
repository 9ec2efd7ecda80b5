package io.qaforge.generation;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureTestRestTemplate;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistrar;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestExecutionListener;
import org.springframework.test.context.TestExecutionListeners;

/**
 * A generation integration test: the whole service on a random port with small chunks and a quick engine, and a fake
 * OpenAI-compatible provider ({@link FakeOpenAi}) as a bean to inject, reset before each test. Its address is the
 * property {@code fake-openai.base-url}: a test points its providers at it in its own properties, e.g.
 * {@code @TestPropertySource(properties = "qaforge.generation.providers.facts.base-url=${fake-openai.base-url}")}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@AutoConfigureTestRestTemplate
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "qaforge.documents.chunk-target-tokens=100",
        "qaforge.documents.chunk-max-tokens=150",
        "qaforge.generation.poll-interval=50ms",
        "qaforge.generation.backoff=50ms",
        "qaforge.generation.max-backoff=200ms",
})
@Import(GenerationTest.FakeProvider.class)
@TestExecutionListeners(listeners = GenerationTest.FakeProvider.class, mergeMode = TestExecutionListeners.MergeMode.MERGE_WITH_DEFAULTS)
public @interface GenerationTest {

    /** The fake provider of the test's context, its address, and a clean slate (no calls, no latency) before each test. */
    @TestConfiguration(proxyBeanMethods = false)
    class FakeProvider implements TestExecutionListener {

        @Bean(destroyMethod = "close")
        FakeOpenAi fakeOpenAi() {
            return new FakeOpenAi();
        }

        @Bean
        DynamicPropertyRegistrar fakeOpenAiUrl(FakeOpenAi fake) {
            return registry -> registry.add("fake-openai.base-url", fake::baseUrl);
        }

        @Override
        public void beforeTestMethod(TestContext context) {
            context.getApplicationContext().getBean(FakeOpenAi.class).reset();
        }
    }
}

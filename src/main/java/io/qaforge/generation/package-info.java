/**
 * Generation: jobs, their tasks and the question/answer pairs they produce, the durable task queue and the provider
 * calls. Other features read them through {@link io.qaforge.generation.Jobs}, {@link io.qaforge.generation.JobStatus}
 * and, in SQL, the {@code accepted_pair} and {@code job_state} views.
 */
@ApplicationModule(allowedDependencies = {"document", "system"})
package io.qaforge.generation;

import org.springframework.modulith.ApplicationModule;

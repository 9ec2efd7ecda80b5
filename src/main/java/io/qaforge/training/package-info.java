/** Training runs: users queue LoRA runs on a job's pairs, GPU workers claim and report on them. */
@ApplicationModule(allowedDependencies = {"export", "generation", "system"})
package io.qaforge.training;

import org.springframework.modulith.ApplicationModule;

/**
 * Training runs: users queue LoRA runs on jobs' pairs (or evaluate base models) scored on an exam; GPU workers claim,
 * report on and deliver them. Other features read runs and their delivered artifacts through
 * {@link io.qaforge.training.Trainings}.
 */
@ApplicationModule(allowedDependencies = {"exam", "export", "generation", "system"})
package io.qaforge.training;

import org.springframework.modulith.ApplicationModule;

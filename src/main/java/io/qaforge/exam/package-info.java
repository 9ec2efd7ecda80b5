/**
 * Exams: named lists of questions with their reference answers (uploaded, or made from jobs' held-out test pairs)
 * that training runs are scored on. Other features read them through {@link io.qaforge.exam.Exams}.
 */
@ApplicationModule(allowedDependencies = {"document", "generation", "system"})
package io.qaforge.exam;

import org.springframework.modulith.ApplicationModule;

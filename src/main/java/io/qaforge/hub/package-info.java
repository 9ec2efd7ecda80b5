/** Hugging Face Hub pushes: exports to dataset repos with their dataset card, training runs' adapters to model repos with a model card. */
@ApplicationModule(allowedDependencies = {"export", "generation", "system", "training"})
package io.qaforge.hub;

import org.springframework.modulith.ApplicationModule;

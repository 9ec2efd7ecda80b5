/** Hugging Face Hub pushes of exports, with their dataset card. */
@ApplicationModule(allowedDependencies = {"export", "generation", "system"})
package io.qaforge.hub;

import org.springframework.modulith.ApplicationModule;

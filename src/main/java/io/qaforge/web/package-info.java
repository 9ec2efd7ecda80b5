/** The web console's server side: what its page needs beyond the features' own endpoints. */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {"document", "generation", "export", "hub", "training"})
package io.qaforge.web;

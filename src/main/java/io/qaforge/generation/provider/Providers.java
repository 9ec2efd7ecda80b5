package io.qaforge.generation.provider;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import tools.jackson.databind.json.JsonMapper;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import io.qaforge.generation.JobChoices;
import io.qaforge.system.ApiProblem;
import io.qaforge.system.ProblemType;

/** The configured providers, each client built on first use so the service starts without any key. */
@Component
public class Providers {

    /** Providers that are useless without a key; local OpenAI-compatible servers (vLLM, Ollama) may have none. */
    private static final Set<String> KEYED = java.util.Set.of("openai", "runpod");

    private final GenerationProperties properties;
    private final ProviderBudget budget;
    private final JsonMapper json;
    private final Clock clock;
    private final Map<String, ProviderClient> clients = new ConcurrentHashMap<>();

    Providers(GenerationProperties properties, ProviderBudget budget, JsonMapper json, Clock clock) {
        this.properties = properties;
        this.budget = budget;
        this.json = json;
        this.clock = clock;
    }

    public Set<String> names() {
        return properties.providers().keySet();
    }

    /** Checks that a job may use this provider and model; answers the client or a 4xx problem. */
    public ProviderClient require(String name, String model) {
        ApiProblem unusable = unusable(name);
        if (unusable != null) {
            throw unusable;
        }
        if (model == null || model.isBlank() || !properties.providers().get(name).knowsModel(model)) {
            throw ApiProblem.badRequest(ProblemType.UNKNOWN_MODEL, "Unknown model",
                    "Provider '" + name + "' is not configured for model '" + model + "'");
        }
        return client(name);
    }

    /** The configured price of a model on a provider; null when it has none. */
    public GenerationProperties.Price price(String name, String model) {
        GenerationProperties.Provider config = properties.providers().get(name);
        return config == null ? null : config.prices().get(model);
    }

    /** Whether jobs may send this provider's calls in batches. */
    public boolean batches(String name) {
        GenerationProperties.Provider config = properties.providers().get(name);
        return config != null && config.batch();
    }

    /** The providers a job can use now, by name, each with the models it may name (none: any name) and their prices. */
    public List<JobChoices.Provider> usable() {
        return names().stream().sorted().filter(name -> unusable(name) == null).map(name -> {
            GenerationProperties.Provider config = properties.providers().get(name);
            var models = new TreeSet<>(config.models());
            models.addAll(config.prices().keySet());
            return new JobChoices.Provider(name, models.stream().map(model -> {
                GenerationProperties.Price price = config.prices().get(model);
                return new JobChoices.Model(model, price == null ? null : price.inputPerMillion(),
                        price == null ? null : price.outputPerMillion(), price == null ? null : price.batchDiscount());
            }).toList(), config.batch());
        }).toList();
    }

    /** Why no job can use this provider now (unknown, no key, no endpoint); null when one can. */
    private ApiProblem unusable(String name) {
        GenerationProperties.Provider config = properties.providers().get(name);
        if (config == null) {
            return ApiProblem.badRequest(ProblemType.UNKNOWN_PROVIDER, "Unknown provider",
                    "No provider named '" + name + "' is configured; configured: " + String.join(", ", names()));
        }
        if (KEYED.contains(name) && blank(config.apiKey())) {
            return new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.PROVIDER_NOT_CONFIGURED, "Provider has no API key",
                    "Provider '" + name + "' needs an API key: set " + (name.equals("openai")
                            ? "OPENAI_API_KEY (or spring.ai.openai.api-key)" : "RUNPOD_API_KEY"));
        }
        if (blank(baseUrl(name, config))) {
            return new ApiProblem(HttpStatus.UNPROCESSABLE_CONTENT, ProblemType.PROVIDER_NOT_CONFIGURED, "Provider has no endpoint",
                    "Provider '" + name + "' has no base URL" + (name.equals("runpod") ? ": set RUNPOD_ENDPOINT_ID" : ""));
        }
        return null;
    }

    /** The client for a provider that jobs already use; null if it was removed from the configuration since. */
    public ProviderClient client(String name) {
        GenerationProperties.Provider config = properties.providers().get(name);
        if (config == null || blank(baseUrl(name, config))) {
            return null;
        }
        return clients.computeIfAbsent(name, n -> new ProviderClient(n, config, baseUrl(n, config), config.apiKey(), budget, json, clock));
    }

    private static String baseUrl(String name, GenerationProperties.Provider config) {
        if (blank(config.baseUrl()) && name.equals("runpod") && !blank(config.endpointId())) {
            return "https://api.runpod.ai/v2/" + config.endpointId().strip() + "/openai";
        }
        return config.baseUrl();
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}

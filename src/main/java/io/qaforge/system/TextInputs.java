package io.qaforge.system;

import java.beans.PropertyEditorSupport;
import java.lang.reflect.Type;
import java.util.Map;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpInputMessage;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;
import org.springframework.web.servlet.mvc.method.annotation.RequestBodyAdviceAdapter;

/**
 * No text a caller sends may carry a NUL character: PostgreSQL cannot store one, so it would surface as a 500 halfway
 * through a write. Checked once for every JSON body (as the JSON it was read from) and every request parameter, and
 * by the features that read text out of uploaded files (see {@link #requireNoNul}), answered with a 400 that names the
 * field.
 */
@ControllerAdvice
public class TextInputs extends RequestBodyAdviceAdapter {

    private static final char NUL = '\u0000';

    private final JsonMapper json;

    TextInputs(JsonMapper json) {
        this.json = json;
    }

    @InitBinder
    void rejectNulInParameters(WebDataBinder binder) {
        binder.registerCustomEditor(String.class, new PropertyEditorSupport() {
            @Override
            public void setAsText(String text) {
                requireNoNul(binder.getObjectName(), text);
                setValue(text);
            }
        });
    }

    /**
     * Refuses text a feature read out of an upload (a cell of an exam file, say) as a request's own text is refused.
     *
     * @param field where the text sits, as the caller would find it ("line 3: question")
     */
    public static void requireNoNul(String field, String text) {
        if (text != null && text.indexOf(NUL) >= 0) {
            throw invalid(field);
        }
    }

    @Override
    public boolean supports(MethodParameter parameter, Type targetType, Class<? extends HttpMessageConverter<?>> converterType) {
        return true;
    }

    @Override
    public Object afterBodyRead(Object body, HttpInputMessage input, MethodParameter parameter, Type targetType,
                                Class<? extends HttpMessageConverter<?>> converterType) {
        String field = nulAt(json.valueToTree(body), "");
        if (field != null) {
            throw invalid(field.isEmpty() ? "the request body" : field);
        }
        return body;
    }

    /** Where in the body a NUL sits (a dotted path of JSON names), or null when there is none. */
    private static String nulAt(JsonNode node, String path) {
        if (node.isString()) {
            return node.stringValue().indexOf(NUL) >= 0 ? path : null;
        }
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String found = field.getKey().indexOf(NUL) >= 0 ? join(path, "(a key)") : nulAt(field.getValue(), join(path, field.getKey()));
            if (found != null) {
                return found;
            }
        }
        for (int i = 0; node.isArray() && i < node.size(); i++) {
            String found = nulAt(node.get(i), path + "[" + i + "]");
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static ApiProblem invalid(String field) {
        return ApiProblem.badRequest(ProblemType.INVALID_TEXT, "Invalid text", field + ": must not contain NUL (\\u0000) characters");
    }
}

package io.colloquy.web;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.type.TypeFactory;
import io.swagger.v3.core.converter.AnnotatedType;
import io.swagger.v3.core.converter.ModelConverter;
import io.swagger.v3.core.converter.ModelConverterContext;
import io.swagger.v3.oas.models.media.JsonSchema;
import io.swagger.v3.oas.models.media.Schema;
import java.lang.reflect.RecordComponent;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Tells generated clients which fields of an HTTP record may be null: a component marked {@link Nullable}
 * is documented as {@code type: [..., "null"]}, every other component as required (records always write
 * all their components). Property names are the wire's snake_case ones.
 */
final class RecordNullability implements ModelConverter {
    private static final PropertyNamingStrategies.NamingBase SNAKE_CASE =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    @Override
    public @Nullable Schema resolve(AnnotatedType type, ModelConverterContext context, Iterator<ModelConverter> chain) {
        if (!chain.hasNext()) {
            return null;
        }
        Schema<?> resolved = chain.next().resolve(type, context, chain);
        Class<?> raw =
                TypeFactory.defaultInstance().constructType(type.getType()).getRawClass();
        if (resolved == null || !raw.isRecord()) {
            return resolved;
        }
        Schema<?> model = resolved;
        if (resolved.get$ref() != null) {
            String ref = resolved.get$ref();
            model = context.getDefinedModels().get(ref.substring(ref.lastIndexOf('/') + 1));
        }
        if (model == null || model.getProperties() == null) {
            return resolved;
        }
        describe(raw, model);
        return resolved;
    }

    private static void describe(Class<?> record, Schema<?> model) {
        Map<String, Schema> properties = model.getProperties();
        for (RecordComponent component : record.getRecordComponents()) {
            String name = wireName(component);
            Schema<?> property = properties.get(name);
            if (property == null) {
                continue;
            }
            if (!isNullable(component)) {
                if (model.getRequired() == null || !model.getRequired().contains(name)) {
                    model.addRequiredItem(name);
                }
            } else if (property.get$ref() != null) {
                properties.put(name, new JsonSchema().anyOf(List.of(property, new JsonSchema().typesItem("null"))));
            } else if (property.getTypes() != null) {
                property.addType("null");
            }
        }
    }

    private static boolean isNullable(RecordComponent component) {
        return component.getAnnotatedType().isAnnotationPresent(Nullable.class)
                || component.isAnnotationPresent(Nullable.class);
    }

    private static String wireName(RecordComponent component) {
        JsonProperty explicit = component.getAnnotation(JsonProperty.class);
        if (explicit == null) {
            var accessor = component.getAccessor();
            explicit = accessor.getAnnotation(JsonProperty.class);
        }
        return explicit != null && !explicit.value().isEmpty()
                ? explicit.value()
                : SNAKE_CASE.translate(component.getName());
    }
}

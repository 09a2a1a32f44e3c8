package io.colloquy.tenant;

import io.colloquy.keys.Caller;
import io.colloquy.limits.AdmittedPlans;
import io.colloquy.web.CallerProject;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.PathParameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Hands controllers the request context the request filter bound: a {@link RequestContext}, its
 * {@link Tenant} (project and the namespace already parsed from the path) or its {@link Caller.Key}
 * (for the features below the tenant core), or just its {@link CallerProject} (for those below keys too). The namespace is parsed once, by the filter; a controller never
 * reads {@code {ns}} itself. The OpenAPI document still names {@code ns} as the path parameter it is.
 * Also the quota check's view of the plan the request was admitted under ({@link AdmittedPlans}).
 */
@Configuration(proxyBeanMethods = false)
class RequestContextArguments implements WebMvcConfigurer, HandlerMethodArgumentResolver, AdmittedPlans {
    static {
        SpringDocUtils.getConfig()
                .addRequestWrapperToIgnore(RequestContext.class, Tenant.class, Caller.Key.class, CallerProject.class);
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(this);
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        Class<?> type = parameter.getParameterType();
        return type == RequestContext.class
                || type == Tenant.class
                || type == Caller.Key.class
                || type == CallerProject.class;
    }

    @Override
    public Object resolveArgument(
            MethodParameter parameter,
            ModelAndViewContainer mavContainer,
            NativeWebRequest webRequest,
            WebDataBinderFactory binderFactory) {
        RequestContext context = RequestContext.current()
                .orElseThrow(() -> new IllegalStateException("No request context for " + parameter.getMethod()));
        Class<?> type = parameter.getParameterType();
        if (type == Tenant.class) {
            return context.tenant();
        }
        if (type == Caller.Key.class) {
            return context.key();
        }
        if (type == CallerProject.class) {
            return new CallerProject(context.projectId());
        }
        return context;
    }

    @Override
    public Optional<String> current(UUID project) {
        return RequestContext.current()
                .filter(c -> c.projectId().equals(project))
                .map(RequestContext::plan);
    }

    /** Documents {@code ns} (first, as a required path parameter) on the routes whose controllers take a tenant. */
    @Bean
    OperationCustomizer namespacePathParameter() {
        return (Operation operation, HandlerMethod handler) -> {
            boolean scoped = Stream.of(
                            AnnotatedElementUtils.findMergedAnnotation(handler.getMethod(), RequestMapping.class),
                            AnnotatedElementUtils.findMergedAnnotation(handler.getBeanType(), RequestMapping.class))
                    .filter(m -> m != null)
                    .flatMap(m -> Stream.of(m.path()))
                    .anyMatch(p -> p.contains("{ns}"));
            boolean takesTenant = List.of(handler.getMethod().getParameterTypes()).stream()
                    .anyMatch(t -> t == Tenant.class || t == RequestContext.class);
            boolean documented = operation.getParameters() != null
                    && operation.getParameters().stream().anyMatch(p -> "ns".equals(p.getName()));
            if (scoped && takesTenant && !documented) {
                List<io.swagger.v3.oas.models.parameters.Parameter> parameters = new ArrayList<>();
                parameters.add(new PathParameter().name("ns").required(true).schema(new StringSchema()));
                if (operation.getParameters() != null) {
                    parameters.addAll(operation.getParameters());
                }
                operation.setParameters(parameters);
            }
            return operation;
        };
    }
}

package io.colloquy.keys;

import io.colloquy.access.IpAccess;
import io.colloquy.limits.RateLimits;
import io.colloquy.platform.OperatorToken;
import io.colloquy.web.ErrorCode;
import io.colloquy.web.ErrorResponses;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;

/**
 * The filter chain: stateless, no sessions, no CSRF (no cookies are ever used), security headers on
 * every response (HSTS for a year on TLS connections), authentication with the allowlist and rate
 * limit decided right after the key lookup, and the capability each route needs, in one table.
 * Actuator endpoints (metrics) are served only on the management port, bound to loopback.
 */
@Configuration(proxyBeanMethods = false)
@EnableWebSecurity
@org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication
class SecurityConfiguration {
    private static final String READ = Capability.READ.authority();
    private static final String WRITE = Capability.WRITE.authority();
    private static final String ADMIN = Capability.ADMIN.authority();
    static final long HSTS_MAX_AGE_SECONDS = 365L * 24 * 60 * 60;

    @Bean
    SecurityFilterChain api(
            HttpSecurity http,
            ApiKeyService keys,
            OperatorToken operator,
            IpAccess access,
            RateLimits limits,
            ErrorResponses errors,
            AuthFailures failures)
            throws Exception {
        return http.csrf(c -> c.disable())
                .cors(c -> c.disable())
                .httpBasic(b -> b.disable())
                .formLogin(f -> f.disable())
                .logout(l -> l.disable())
                .requestCache(r -> r.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .headers(h -> h.contentTypeOptions(c -> {})
                        .frameOptions(f -> f.deny())
                        .referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.NO_REFERRER))
                        .contentSecurityPolicy(c -> c.policyDirectives("default-src 'none'; frame-ancestors 'none'"))
                        .cacheControl(c -> {})
                        // written only on requests that arrived over TLS (RFC 6797 8.1: ignored over HTTP)
                        .httpStrictTransportSecurity(hsts ->
                                hsts.maxAgeInSeconds(HSTS_MAX_AGE_SECONDS).includeSubDomains(true)))
                .addFilterBefore(
                        new ApiKeyAuthentication(keys, operator, access, limits, errors, failures),
                        AnonymousAuthenticationFilter.class)
                .exceptionHandling(e -> e.authenticationEntryPoint((request, response, ex) -> {
                            failures.record("missing", null);
                            errors.write(
                                    request,
                                    response,
                                    ErrorCode.UNAUTHENTICATED,
                                    "An API key is required: Authorization: Bearer <key>.");
                        })
                        .accessDeniedHandler((request, response, ex) -> errors.write(
                                request,
                                response,
                                ErrorCode.FORBIDDEN,
                                "The API key lacks the capability for this request.")))
                .authorizeHttpRequests(a -> a.requestMatchers(
                                "/healthz", "/readyz", "/v1/openapi.json", "/error", "/v1/exports/*")
                        .permitAll()
                        .requestMatchers(EndpointRequest.toAnyEndpoint())
                        .permitAll()
                        .requestMatchers(ApiKeyAuthentication.OPERATOR_PATH, ApiKeyAuthentication.OPERATOR_PATH + "/**")
                        .hasAuthority(CallerAuthentication.OPERATOR)
                        .requestMatchers(HttpMethod.GET, "/v1/project", "/v1/audit/public-key")
                        .hasAuthority(READ)
                        .requestMatchers(
                                "/v1/project",
                                "/v1/project/**",
                                "/v1/keys",
                                "/v1/keys/**",
                                "/v1/audit/**",
                                "/v1/webhooks",
                                "/v1/webhooks/**")
                        .hasAuthority(ADMIN)
                        .requestMatchers(HttpMethod.POST, "/v1/namespaces/*/export")
                        .hasAuthority(ADMIN)
                        .requestMatchers(HttpMethod.DELETE, "/v1/namespaces/*")
                        .hasAuthority(ADMIN)
                        .requestMatchers(HttpMethod.GET, "/v1/**")
                        .hasAuthority(READ)
                        .requestMatchers("/v1/**")
                        .hasAuthority(WRITE)
                        .anyRequest()
                        .authenticated())
                .build();
    }
}

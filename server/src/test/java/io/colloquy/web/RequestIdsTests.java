package io.colloquy.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class RequestIdsTests {

    @Test
    void theRequestIdAndRateLimitHeadersSurviveAResetOfTheResponse() throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        new RequestIds().doFilter(new MockHttpServletRequest("GET", "/v1/project"), response, new MockFilterChain() {
            @Override
            public void doFilter(jakarta.servlet.ServletRequest req, jakarta.servlet.ServletResponse res) {
                var http = (jakarta.servlet.http.HttpServletResponse) res;
                http.setHeader("X-RateLimit-Limit", "10");
                http.setHeader("Location", "/v1/somewhere");
                http.reset(); // what the tenant transaction does when it replaces a failed response
            }
        });
        assertThat(response.getHeader(RequestIds.HEADER)).startsWith("req_");
        assertThat(response.getHeader("X-RateLimit-Limit")).isEqualTo("10");
        assertThat(response.getHeader("Location")).isNull();
    }
}

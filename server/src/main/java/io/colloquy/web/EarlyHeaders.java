package io.colloquy.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Headers the contract puts on every response (the rate-limit ones) that another module knows how to
 * fill in, for responses the container answers before any filter ran (see {@link ContainerErrorReports}).
 */
public interface EarlyHeaders {
    /** Sets the headers on a response that lacks them; never throws. */
    void addTo(HttpServletRequest request, HttpServletResponse response);
}

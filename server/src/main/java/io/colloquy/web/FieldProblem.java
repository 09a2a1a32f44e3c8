package io.colloquy.web;

/** One rejected input field, named as the client sent it (snake_case, dotted paths). */
public record FieldProblem(String field, String problem) {}

package io.colloquy.web;

/** No such entity in this project and namespace; identical whether it is missing or another tenant's. */
public class NotFound extends ApiException {
    public NotFound(String message) {
        super(ErrorCode.NOT_FOUND, message);
    }
}

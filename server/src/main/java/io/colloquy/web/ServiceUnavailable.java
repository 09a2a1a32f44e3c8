package io.colloquy.web;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/**
 * 503 {@code SERVICE_UNAVAILABLE}: the database cannot be reached (it is restarting, recovering or out of space).
 * Nothing was written; the request may be retried after {@code Retry-After} seconds.
 */
public final class ServiceUnavailable extends ApiException {
    /** Seconds a client should wait before retrying: about how long the embedded database takes to come back. */
    public static final String RETRY_AFTER_SECONDS = "2";

    private ServiceUnavailable(String message) {
        super(ErrorCode.SERVICE_UNAVAILABLE, message);
    }

    public static ServiceUnavailable database() {
        return new ServiceUnavailable("The database is unavailable; nothing was written. Retry after a moment.");
    }

    /**
     * True if {@code failure} (or what caused it) says the database could not be reached or could not do the work
     * for lack of resources, as opposed to a bug or bad input: Spring's translations of connection failures
     * (SQLSTATE classes 08 and 57, a pool timeout, a
     * commit or rollback on a lost connection) and of insufficient resources (class 53, such as a full disk).
     */
    public static boolean causedBy(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof ServiceUnavailable
                    || cause instanceof DataAccessResourceFailureException
                    || cause instanceof TransientDataAccessResourceException
                    || cause instanceof RecoverableDataAccessException
                    || cause instanceof CannotCreateTransactionException
                    || cause instanceof TransactionSystemException) { // a JDBC commit or rollback that failed
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }
}

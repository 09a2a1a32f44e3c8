package io.colloquy.limits;

import io.colloquy.web.ApiException;
import io.colloquy.web.ErrorCode;

/** A monthly plan quota is used up: this kind of write is refused until next month or an upgrade. */
final class PlanLimitExceeded extends ApiException {
    PlanLimitExceeded(Quota quota, int allowance) {
        super(
                ErrorCode.PLAN_LIMIT_EXCEEDED,
                quota.title() + " monthly limit exceeded. Your plan allows " + allowance + " " + quota.column()
                        + ". Please upgrade your plan to continue.");
    }
}

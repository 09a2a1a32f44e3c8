package io.colloquy.limits;

import io.colloquy.platform.ColloquySettings;
import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.UUID;
import org.springframework.stereotype.Service;

/**
 * Monthly plan quotas (calendar month, UTC) for what a project creates. Called by the create paths in
 * their tenant transaction, so the count rolls back with a failed create; a quota that is used up
 * refuses the whole create (429 {@code PLAN_LIMIT_EXCEEDED}), and reads, searches, exports and
 * deletes never ask. Only plans with a quota for that kind count: an unlimited plan costs nothing.
 */
@Service
public class QuotaService {
    private final QuotaRepository usage;
    private final ColloquySettings settings;
    private final PlanLookup plans;
    private final AdmittedPlans admitted;
    private final Clock clock;

    QuotaService(
            QuotaRepository usage, ColloquySettings settings, PlanLookup plans, AdmittedPlans admitted, Clock clock) {
        this.usage = usage;
        this.settings = settings;
        this.plans = plans;
        this.admitted = admitted;
        this.clock = clock;
    }

    /** Counts {@code count} creations of one kind, or throws when they would pass the plan's quota. */
    public void consume(UUID project, Quota quota, int count) {
        String planName =
                admitted.current(project).or(() -> plans.planOf(project)).orElse(settings.defaultPlan());
        ColloquySettings.Plan plan =
                settings.plans().getOrDefault(planName, settings.plans().get(settings.defaultPlan()));
        Integer allowance = quota.of(plan);
        if (allowance == null) {
            return;
        }
        LocalDate month = YearMonth.now(clock.withZone(ZoneOffset.UTC)).atDay(1);
        if (count > allowance || !usage.tryConsume(project, month, quota, count, allowance)) {
            throw new PlanLimitExceeded(quota, allowance);
        }
    }
}

import { beforeEach, inject } from "vitest";

// Every test of an unreachable engine is skipped, with the reason (the global setup
// has already failed the run if CI=true).
const status = inject("engine");
if (!status.available) {
  beforeEach(({ skip }) => {
    skip(
      /^(Redis|MongoDB)/.test(status.reason ?? "")
        ? status.reason
        : `${status.engine} unreachable: ${status.reason}`,
    );
  });
}

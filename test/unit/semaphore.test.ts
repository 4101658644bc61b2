import { describe, expect, it } from "vitest";
import { ServerBusy } from "../../src/core/errors.js";
import { Semaphore } from "../../src/core/semaphore.js";

describe("Semaphore", () => {
  it("never runs more than its capacity at once, and runs everything in arrival order", async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const gates = Array.from({ length: 6 }, () => {
      let resolve = () => {};
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      return { promise, resolve };
    });
    const tasks = gates.map((gate, i) =>
      semaphore.run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await gate.promise;
        running--;
        return i;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    for (const gate of gates) gate.resolve();
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
  });

  it("frees its slot when a task fails", async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await semaphore.run(async () => "next")).toBe("next");
  });

  it("runs waiting tasks by priority, and a more urgent task pushes the last in line out", async () => {
    const semaphore = new Semaphore(1, { maxWaiting: 2 });
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const order: string[] = [];
    const task = (name: string) => async () => {
      order.push(name);
      await gate;
      return name;
    };
    const running = semaphore.run(task("first"), 5);
    const late = semaphore.run(task("late"), 9);
    const soon = semaphore.run(task("soon"), 3);
    expect(semaphore.waitingAhead(3)).toBe(1);
    expect(semaphore.waitingAhead(0)).toBe(0);
    // The queue is full: a task as late as the last is refused, a more urgent one takes its place.
    await expect(semaphore.run(task("also late"), 9)).rejects.toBeInstanceOf(ServerBusy);
    const urgent = semaphore.run(task("urgent"), 1);
    await expect(late).rejects.toBeInstanceOf(ServerBusy);
    open();
    expect(await Promise.all([running, urgent, soon])).toEqual(["first", "urgent", "soon"]);
    expect(order).toEqual(["first", "urgent", "soon"]);
  });

  it("serves equals in arrival order until congested, then newest first, and the long-waiting first again", async () => {
    let now = 0;
    const semaphore = new Semaphore(1, { congestedAfterMs: 100, now: () => now });
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const task = (name: string) => () =>
      new Promise<string>((resolve) => {
        order.push(name);
        gates.set(name, () => resolve(name));
      });
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    /** Ends the running task at time `at`, then lets the next one start. */
    const finish = async (name: string, at: number) => {
      now = at;
      gates.get(name)?.();
      await settle();
    };
    const runs = [semaphore.run(task("running"))];
    for (const name of ["burst-1", "burst-2", "burst-3", "burst-4", "burst-5"]) {
      runs.push(semaphore.run(task(name), 1));
    }
    runs.push(semaphore.run(task("flooder"), 7));
    await settle();
    // Not congested yet (the oldest has waited 50 ms): arrival order.
    await finish("running", 50);
    expect(order.at(-1)).toBe("burst-1");
    // A late arrival among equals, once the oldest has waited 100 ms or more: served first.
    now = 60;
    runs.push(semaphore.run(task("person"), 1));
    await finish("burst-1", 150);
    expect(order.at(-1)).toBe("person");
    await finish("person", 160);
    expect(order.at(-1)).toBe("burst-5");
    // Waited four times the threshold (400 ms): the oldest goes first again.
    await finish("burst-5", 400);
    expect(order.at(-1)).toBe("burst-2");
    for (const name of ["burst-2", "burst-3", "burst-4", "flooder"]) await finish(name, 500);
    expect(order).toEqual([
      "running",
      "burst-1",
      "person",
      "burst-5",
      "burst-2",
      "burst-3",
      "burst-4",
      "flooder",
    ]);
    await Promise.all(runs);
  });
});

/**
 * A level-triggered wake-up for a worker loop: a `notify()` that comes while the worker is busy is
 * remembered, so the next `wait()` returns at once instead of sleeping through new work.
 */
export class Wakeup {
  #pending = false;
  #resolve: (() => void) | null = null;

  notify(): void {
    this.#pending = true;
    this.#resolve?.();
  }

  /** Resolves after `ms`, or as soon as `notify()` is called (or was, since the last wait). */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.#pending) {
        this.#pending = false;
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        this.#resolve = null;
        this.#pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#resolve = done;
    });
  }
}

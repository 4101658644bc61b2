export { closeAfterResponse } from "./close-after-response.js";
export {
  type GracefulShutdown,
  type GracefulShutdownOptions,
  gracefulShutdown,
} from "./graceful-shutdown.js";
export { type LingeringCloseOptions, lingeringClose } from "./lingering-close.js";

export { type RedisChannelOptions, redisChannel } from "./redis-channel.js";
export {
  type RedisEvalClient,
  RedisRateLimitStore,
  type RedisRateLimitStoreOptions,
} from "./redis-rate-limit-store.js";
export { RedisStrategy, type RedisStrategyOptions } from "./redis-strategy.js";

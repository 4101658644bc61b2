export { connectRedis, TESSERA_REDIS_OPTIONS } from "./connect-redis.js";
export { pingRedis } from "./ping-redis.js";
export { type RedisChannelOptions, redisChannel } from "./redis-channel.js";
export {
  type RedisEvalClient,
  RedisRateLimitStore,
  type RedisRateLimitStoreOptions,
} from "./redis-rate-limit-store.js";
export { RedisStrategy, type RedisStrategyOptions } from "./redis-strategy.js";

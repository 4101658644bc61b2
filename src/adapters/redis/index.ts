export {
  type RedisEvalClient,
  RedisRateLimitStore,
  type RedisRateLimitStoreOptions,
} from "./redis-rate-limit-store.js";

export {
  type GithubEmail,
  type GithubProviderOptions,
  githubEmail,
  githubProvider,
} from "./github-provider.js";
export {
  type OpenIdConnectProviderOptions,
  openIdConnectProvider,
} from "./openid-connect-provider.js";

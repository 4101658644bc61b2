// Express 4, installed as `express4` beside Express 5 for the integration's tests: same API for tessera.
declare module "express4" {
  import express from "express";
  export default express;
}

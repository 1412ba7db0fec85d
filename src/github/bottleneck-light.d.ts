// bottleneck ships typings for its main entry only; the light build has the same API without Redis clustering.
declare module "bottleneck/light.js" {
  import Bottleneck from "bottleneck";
  export default Bottleneck;
}

/** A small Adam optimiser for parameter vectors held in Float64Arrays. */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;
  constructor(
    size: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-12,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** In-place step: params -= lr_i · m̂ / (√v̂ + ε); `lr` per parameter, or one for all. */
  step(params: Float64Array, grad: ArrayLike<number>, lr: ArrayLike<number> | number): void {
    this.t++;
    const b1 = 1 - Math.pow(this.beta1, this.t);
    const b2 = 1 - Math.pow(this.beta2, this.t);
    const one = typeof lr === 'number' ? lr : 0;
    for (let i = 0; i < params.length; i++) {
      this.m[i] = this.beta1 * this.m[i] + (1 - this.beta1) * grad[i];
      this.v[i] = this.beta2 * this.v[i] + (1 - this.beta2) * grad[i] * grad[i];
      params[i] -= ((typeof lr === 'number' ? one : lr[i]) * (this.m[i] / b1)) / (Math.sqrt(this.v[i] / b2) + this.eps);
    }
  }
}

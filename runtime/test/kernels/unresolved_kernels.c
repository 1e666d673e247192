/* A kernels.so importing a symbol nobody defines: loading it must fail cleanly.
 */
void kiln_symbol_nobody_defines(void);

void kiln_k0(void **args) {
  (void)args;
  kiln_symbol_nobody_defines();
}

// WGSL for a step's optimizer settings, shared by the fused steps' generators.
/**
 * The step's optimizer settings, which a caller that updates many params reads once
 * (READ_SETTINGS) and passes on (SETTINGS_ARGS): the compiler reloads a value from a buffer
 * after every store to another, as it cannot rule out that they alias. Read once, the digits
 * update ran ~6% faster on SwiftShader. (Passed as a struct, it ran 1.5× slower.)
 */
export const READ_SETTINGS = 'let lr = recordFloat(s, 0u); let oneMinusBeta1Power = recordFloat(s, 1u); let oneMinusBeta2Power = recordFloat(s, 2u);';
export const SETTINGS_ARGS = 'lr, oneMinusBeta1Power, oneMinusBeta2Power';
export const SETTINGS_PARAMS = 'lr: f32, oneMinusBeta1Power: f32, oneMinusBeta2Power: f32';

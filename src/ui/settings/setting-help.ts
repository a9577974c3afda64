/**
 * One line per setting for the "?" beside it, in the spirit of playground.tensorflow.org:
 * what the knob does and what a student will see when turning it.
 */
export const SETTING_HELP = {
  demo: 'Which problem the network learns: sorting 2D points into two colours, reading handwritten digits, fitting a curve, or writing text one character at a time.',
  dataset: 'The shape of the two classes of points; a spiral is hard, gaussians are easy. Or your own CSV file.',
  curveDataset: 'The points to fit: a noisy sine, or an input and an output column of your own CSV file.',
  csv: 'A CSV file of your own (at most 5 MB and 100,000 rows, at least 10): number columns to learn from and a column to predict. Pick the columns after loading; the inputs are standardised to mean 0 and deviation 1 on the training rows.',
  samples: 'How many points are generated; more points give a smoother picture of the problem but each epoch takes longer.',
  noise: 'How much the points are jittered (0 is clean); noisy data cannot be fitted perfectly.',
  testFraction: 'The share of the data kept aside to measure the test loss, which shows how well the network handles data it never trained on.',
  features: 'What the network sees of each point; extra features such as x² or sin x can make a hard shape easy.',
  model: 'An MLP looks at all pixels at once; a small CNN looks for strokes with sliding filters and usually reads digits better, but slower.',
  hidden: 'Layers of neurons between input and output; more layers and units can learn more complicated shapes, and overfit more easily.',
  activation: 'The function each neuron applies to its sum; ReLU trains fast, tanh and sigmoid are smooth, linear cannot bend the boundary.',
  optimizer: 'How each step uses the gradient; Adam and RMSProp adapt the step size per weight, SGD takes plain steps, momentum keeps rolling.',
  learningRate: 'How big each step is; too small learns slowly, too large makes the loss jump around or explode.',
  batchSize: 'How many examples each step looks at; bigger batches give steadier but fewer updates per epoch.',
  schedule: 'How the learning rate changes over training: constant, dropping in steps, or gliding down like a cosine.',
  decaySteps: 'How many steps the schedule takes to lower the learning rate (per drop for "step", in total for "cosine").',
  l2: 'Penalises large weights so the network prefers simpler answers; it can reduce overfitting.',
  dropout: 'The share of neurons switched off at random in each training step, so the network cannot rely on any single one.',
  seed: 'The number behind every random choice (data, starting weights, batch order); the same seed repeats a run exactly.',
  textDataset: 'What the model learns to write: real names and words, a small puzzle with right answers (reverse, sort, add, brackets, copy), or your own text.',
  textModel: 'A bigram only looks at the last character; the transformer (GPT) reads the whole context and learns far more.',
  layers: 'Transformer blocks stacked on top of each other; more blocks learn longer patterns but train slower.',
  heads: 'How many separate attention patterns each block has; the width must divide evenly between them.',
  width: 'How many numbers describe each character inside the model; wider learns more, and is slower.',
  context: 'How many characters the model reads at once to guess the next one.',
  weightDecay: 'Pulls every weight a little toward zero at each step (AdamW), which keeps the model from memorising.',
  gradClip: 'Caps how big one step can be, so a bad batch cannot throw training off; 0 turns it off.',
  warmupSteps: 'Steps at the start in which the learning rate climbs from almost zero, before it glides down like a cosine.',
  taskLength: 'How many characters each puzzle question has (for reverse, sort, copy and brackets).',
  taskDigits: 'The most digits of each number in the addition puzzle.',
  customText: 'Paste a text or drop a .txt file (plain UTF-8, at least 300 characters, at most 5 MB); the model learns to write like it.',
} as const;

export type HelpTopic = keyof typeof SETTING_HELP;

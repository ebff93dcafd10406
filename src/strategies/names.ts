/** The strategies cfzd can run, as `--strategy` names them (the cf CLI's two, plus blue-green). */
export const STRATEGIES = ['rolling', 'canary', 'blue-green'] as const
export type StrategyName = (typeof STRATEGIES)[number]

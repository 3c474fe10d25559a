import { Field, Float, InputType, Int } from 'type-graphql';
import { MetricValueInput } from '../session/session.inputs.js';

@InputType({ description: 'The steps before the exam (each on or off).' })
export class TemplateStagesInput {
  @Field(() => Boolean) compatibilityCheck!: boolean;
  @Field(() => Boolean) facePhoto!: boolean;
  @Field(() => Boolean) idPhoto!: boolean;
  @Field(() => Boolean) proctorApproval!: boolean;
}

@InputType({ description: 'The exam page\'s addons (each on or off).' })
export class TemplateAddonsInput {
  @Field(() => Boolean) screen!: boolean;
  @Field(() => Boolean) secondCamera!: boolean;
  @Field(() => Boolean) chat!: boolean;
  @Field(() => Boolean) calls!: boolean;
  @Field(() => Boolean) contentProtection!: boolean;
}

@InputType({ description: 'Every setting of a template; each save makes a new version. The domain checks every value and says which one is wrong.' })
export class TemplateInput {
  @Field(() => String) name!: string;
  @Field(() => [String], { description: 'Metric codes that count (b1 … s2).' }) metrics!: string[];
  @Field(() => [MetricValueInput], { description: 'Weights per metric (0–100; 1 when not given).' }) weights!: MetricValueInput[];
  @Field(() => Float, { description: '0–100.' }) threshold!: number;
  @Field(() => Boolean) autoConclude!: boolean;
  @Field(() => String, { nullable: true, description: 'The rules text (at most 20,000 characters); empty: none.' }) rules?: string | null;
  @Field(() => TemplateStagesInput) stages!: TemplateStagesInput;
  @Field(() => TemplateAddonsInput) addons!: TemplateAddonsInput;
  @Field(() => Int, { description: '0–1440.' }) checkInBefore!: number;
  @Field(() => Int, { nullable: true, description: '0–1440; null: the duration.' }) checkInAfter?: number | null;
  @Field(() => Int, { description: 'Default duration in minutes (1–1440).' }) duration!: number;
  @Field(() => Boolean) scoreVisibleToStudent!: boolean;
  @Field(() => Int, { description: 'Days recordings are kept (1–3650).' }) retentionDays!: number;
}

/** The GraphQL documents of the template screens, typed by `npm run web:types`. */
import type { Documents } from '../graphql.generated.js';

export const TEMPLATE_FIELDS = `id version name metrics weights { code value } threshold autoConclude rules
  stages { compatibilityCheck facePhoto idPhoto proctorApproval } addons { screen secondCamera chat calls contentProtection }
  checkInBefore checkInAfter duration scoreVisibleToStudent retentionDays archived updatedBy updatedAt`;

export const TEMPLATES: Documents['TEMPLATES'] = `query Templates($archived: Boolean!) { templates(archived: $archived) { ${TEMPLATE_FIELDS} } }`;
export const TEMPLATE: Documents['TEMPLATE'] = `query Template($id: ID!) { template(id: $id) { ${TEMPLATE_FIELDS} } }`;
export const CREATE_TEMPLATE: Documents['CREATE_TEMPLATE'] = `mutation CreateTemplate($input: TemplateInput!) { createTemplate(input: $input) { ${TEMPLATE_FIELDS} } }`;
export const REVISE_TEMPLATE: Documents['REVISE_TEMPLATE'] = `mutation ReviseTemplate($id: ID!, $input: TemplateInput!) { reviseTemplate(id: $id, input: $input) { ${TEMPLATE_FIELDS} } }`;
export const ARCHIVE_TEMPLATE: Documents['ARCHIVE_TEMPLATE'] = `mutation ArchiveTemplate($id: ID!) { archiveTemplate(id: $id) { ${TEMPLATE_FIELDS} } }`;
export const TEMPLATE_CHOICES: Documents['TEMPLATE_CHOICES'] = `query TemplateChoices { templates { id name duration addons { secondCamera } } }`;
export const SESSION_RULES: Documents['SESSION_RULES'] = `query SessionRules($id: ID!) { session(id: $id) { id fromTemplate { id version rules } } }`;
export const EXAM_STEPS: Documents['EXAM_STEPS'] = `query ExamSteps($id: ID!) { session(id: $id) { id approvedBy identityPhotosTaken
  examSteps { photosDemanded stages { compatibilityCheck facePhoto idPhoto proctorApproval } addons { screen secondCamera chat calls contentProtection } } } }`;
export const APPROVE_START: Documents['APPROVE_START'] = `mutation ApproveStart($id: ID!) { verifyIdentity(id: $id) { id } }`;

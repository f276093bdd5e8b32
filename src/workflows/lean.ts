// The patch id of the leaner command shape (issue 12): the stage confirmation and each step of following a case run
// as local activities, one step reads the case and makes the Lever updates it calls for, and one poll timer stands
// across nudges. Histories recorded before it replay the old shape (see test/fixtures/histories).
export const LEAN = 'lean-1';

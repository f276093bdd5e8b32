// The settings page's stylesheet: readable on a laptop screen, a visible focus ring, colour never the only signal.
export const PAGE_STYLE = `
  :root { --ink: #1d2433; --muted: #5b6478; --line: #dde2ea; --bg: #f4f6fa; --card: #fff; --accent: #2457d6;
    --accent-ink: #fff; --ok: #17692b; --ok-bg: #e3f4e7; --bad: #a3191b; --bad-bg: #fdecec; --warn-bg: #fff4d6; }
  * { box-sizing: border-box; }
  body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: var(--ink); background: var(--bg); }
  code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
  .skip { position: absolute; left: -999px; top: 0; background: var(--card); padding: .5rem 1rem; z-index: 10; }
  .skip:focus { left: 1rem; }
  .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  :focus-visible { outline: 3px solid #ffb020; outline-offset: 2px; border-radius: 4px; }
  .top { display: flex; flex-wrap: wrap; gap: .5rem 2rem; align-items: center; justify-content: space-between;
    padding: .75rem 2rem; background: #1d2433; color: #fff; }
  .top .hint { color: #c5cbd8; flex-basis: 100%; margin: 0; text-align: right; }
  .top .hint code { color: #fff; }
  .brand { display: flex; align-items: center; gap: .6rem; }
  .logo { display: inline-grid; place-items: center; width: 2rem; height: 2rem; border-radius: 8px; background: var(--accent); font-weight: 700; }
  h1 { font-size: 1.25rem; margin: 0; }
  .connect { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; justify-content: flex-end; max-width: 36rem; }
  .connect input { width: 16rem; }
  main { max-width: 78rem; margin: 1.25rem auto 4rem; padding: 0 1.5rem; outline: none; }
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem 1.5rem 1.25rem; margin: 0 0 1rem; }
  h2 { font-size: 1.1rem; margin: 0 0 .5rem; display: flex; align-items: center; gap: .6rem; }
  h3 { font-size: 1rem; margin: .75rem 0 .25rem; }
  .num { display: inline-grid; place-items: center; width: 1.7rem; height: 1.7rem; border-radius: 50%; background: var(--accent); color: var(--accent-ink); font-size: .95rem; }
  .row { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; }
  .cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 0 2rem; }
  fieldset { border: 0; padding: 0; margin: 0; min-width: 0; }
  legend { font-weight: 600; padding: 0; margin: .5rem 0 .25rem; color: var(--muted); text-transform: uppercase; font-size: .8rem; letter-spacing: .04em; }
  .field { margin: .35rem 0 .6rem; }
  .field.inline { margin: 0; }
  label { display: block; font-weight: 600; margin-bottom: .2rem; }
  label.check { display: inline-flex; gap: .35rem; align-items: center; font-weight: 400; }
  .control { display: flex; gap: .6rem; align-items: center; }
  input[type=text], input[type=password], select { font: inherit; padding: .4rem .55rem; border: 1px solid #b9c1cf; border-radius: 6px; background: #fff; color: var(--ink); }
  .field input[type=text], .field input[type=password] { width: 100%; max-width: 26rem; }
  input[aria-invalid=true] { border-color: var(--bad); background: var(--bad-bg); }
  .hint { color: var(--muted); font-size: .87rem; margin: .15rem 0 0; }
  .err { color: var(--bad); font-size: .87rem; font-weight: 600; margin: .2rem 0 0; }
  .err:empty { display: none; }
  .err::before { content: "⚠ "; }
  .mask { color: var(--muted); font-size: .85rem; white-space: nowrap; }
  button { font: inherit; font-weight: 600; padding: .42rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-ink); cursor: pointer; }
  button.secondary { background: #fff; color: var(--accent); }
  button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
  button.small { padding: .2rem .6rem; font-size: .85rem; }
  button:disabled { opacity: .5; cursor: not-allowed; }
  .actions { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin-top: .6rem; }
  .grid { width: 100%; border-collapse: collapse; margin: .5rem 0; }
  .grid th { text-align: left; font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); border-bottom: 2px solid var(--line); padding: .4rem .5rem; }
  .grid td { padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
  .grid td .row { gap: .6rem; flex-wrap: nowrap; align-items: center; }
  .grid td button, .grid td a, .grid td.mono, .grid td time { white-space: nowrap; }
  .grid tr.default td { background: #f3f7ff; }
  .tag { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600; background: #e8edf7; color: #2b3a55; white-space: nowrap; }
  .tag.ok { background: var(--ok-bg); color: var(--ok); } .tag.bad { background: var(--bad-bg); color: var(--bad); } .tag.warn { background: var(--warn-bg); color: #7a5300; }
  .types div { display: grid; grid-template-columns: repeat(auto-fill, minmax(23rem, 1fr)); gap: .15rem 1rem; }
  .types label { font-weight: 400; display: flex; gap: .4rem; align-items: center; margin: 0; font-size: .87rem; overflow-wrap: anywhere; }
  .pkg-form { border-top: 1px solid var(--line); margin-top: .75rem; padding-top: .25rem; }
  .copy-row { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; margin: .5rem 0; }
  .copy-label { font-weight: 600; }
  .copy-row code { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .3rem .5rem; overflow-wrap: anywhere; flex: 1 1 18rem; }
  .howto { margin: .25rem 0; padding-left: 1.25rem; }
  .hooks { list-style: none; padding: 0; margin: .25rem 0 0; }
  .hooks li { border-left: 3px solid var(--line); padding-left: .75rem; margin: .5rem 0; }
  .hooks h4 { font-size: .95rem; margin: .25rem 0 0; display: flex; gap: .5rem; align-items: center; }
  .glance-head { display: flex; justify-content: space-between; align-items: center; }
  .badge { margin: 0; padding: .25rem .8rem; border-radius: 999px; font-weight: 700; }
  .badge.on { background: var(--ok-bg); color: var(--ok); } .badge.off { background: var(--warn-bg); color: #7a5300; }
  .checklist { list-style: none; padding: 0; margin: .25rem 0 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap: .3rem 1rem; }
  .checklist li { display: flex; gap: .5rem; align-items: baseline; }
  .checklist .mark { font-weight: 700; width: 1.2rem; text-align: center; }
  .checklist .done .mark { color: var(--ok); } .checklist .todo .mark { color: var(--bad); } .checklist .optional .mark { color: #7a5300; }
  .checklist a { color: var(--ink); }
  .checklist .why { color: var(--bad); font-size: .85rem; }
  .problems { margin: .5rem 0 0; padding-left: 1.2rem; color: var(--bad); }
  .checks-head { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: flex-end; gap: .5rem; }
  .pager { display: flex; gap: 1rem; align-items: center; justify-content: flex-end; }
  .mono { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; color: #3a4459; }
  .toast { position: fixed; bottom: 1rem; left: 50%; transform: translateX(-50%); max-width: 40rem; background: #1d2433; color: #fff;
    padding: .6rem 1rem; border-radius: 8px; box-shadow: 0 4px 16px rgba(0,0,0,.2); }
  .toast:empty { display: none; }
  .toast.bad { background: var(--bad); }
  dialog { border: 1px solid var(--line); border-radius: 10px; padding: 1.25rem 1.5rem; max-width: 30rem; }
  dialog::backdrop { background: rgba(20,25,40,.45); }
`;

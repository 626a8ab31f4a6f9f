// Everything the widget looks like, inside its shadow root: nothing reaches the host page.
export const STYLE = `
:host { all: initial; }
* { box-sizing: border-box; }
.root { font: 14px/1.6 -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif; color: #1f2d3d; }
.launcher { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; display: flex; align-items: center; gap: 6px;
  padding: 10px 16px; border: 0; border-radius: 22px; background: #0b5cad; color: #fff; cursor: pointer;
  font: 500 14px/1.2 inherit; font-family: inherit; box-shadow: 0 4px 14px rgba(8, 70, 127, .35); }
.launcher:hover { background: #08467f; }
.launcher:focus-visible, button:focus-visible, textarea:focus-visible, .upload:focus-within { outline: 3px solid #7cc4ff; outline-offset: 2px; }
.panel { position: fixed; right: 20px; bottom: 72px; z-index: 2147483000; width: 380px; height: min(600px, calc(100vh - 100px));
  display: flex; flex-direction: column; border-radius: 12px; background: #fff; box-shadow: 0 8px 30px rgba(15, 45, 80, .22); overflow: hidden; }
.panel[hidden] { display: none; }
.head { display: flex; align-items: center; gap: 8px; padding: 10px 12px; background: #0b5cad; color: #fff; }
.head h2 { flex: 1; margin: 0; font-size: 15px; font-weight: 600; }
.head .who { font-size: 12px; opacity: .85; }
.close { border: 0; background: none; color: #fff; font-size: 22px; line-height: 1; cursor: pointer; padding: 2px 6px; }
.status { padding: 4px 12px; font-size: 12px; background: #fff7e6; color: #8a5a00; }
.status[hidden] { display: none; }
.log { flex: 1; overflow-y: auto; padding: 12px; background: #f5f7fa; display: flex; flex-direction: column; gap: 10px; }
.msg { max-width: 86%; padding: 8px 12px; border-radius: 10px; word-break: break-word; overflow-wrap: anywhere; }
.msg.user { align-self: flex-end; background: #0b5cad; color: #fff; white-space: pre-wrap; border-bottom-right-radius: 3px; }
.msg.bot { align-self: flex-start; background: #fff; border: 1px solid #e4e9f0; border-bottom-left-radius: 3px; }
.msg.bot p { margin: 0 0 6px; } .msg.bot p:last-child { margin-bottom: 0; }
.msg.bot ul, .msg.bot ol { margin: 4px 0; padding-left: 20px; }
.msg.bot table { border-collapse: collapse; margin: 4px 0; font-size: 13px; }
.msg.bot th, .msg.bot td { border: 1px solid #e4e9f0; padding: 2px 6px; }
.msg.bot a { color: #0b5cad; }
.msg.bot code { background: #f0f3f7; padding: 0 3px; border-radius: 3px; }
.msg .meta { display: block; font-size: 11px; opacity: .75; margin-top: 2px; }
.msg.failed { background: #fdecea; color: #a12622; border: 1px solid #f5c2bd; }
.msg img.photo { display: block; max-width: 180px; max-height: 180px; border-radius: 6px; margin-bottom: 4px; }
.chart { width: 100%; min-width: 240px; height: 220px; }
.msg.has-chart { max-width: 100%; width: 100%; }
.chart-title { font-weight: 600; margin-bottom: 4px; }
.action-link { display: inline-block; padding: 5px 14px; border-radius: 16px; background: #0b5cad; color: #fff !important; text-decoration: none; }
.replies { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.replies button { padding: 5px 12px; border: 1px solid #0b5cad; border-radius: 16px; background: #fff; color: #0b5cad; cursor: pointer; font: inherit; font-size: 13px; }
.replies button:hover { background: #e8f1fb; }
.replies button:disabled { opacity: .5; cursor: default; }
.typing { align-self: flex-start; padding: 6px 12px; font-size: 12px; color: #6b7785; }
.typing[hidden] { display: none; }
.typing .dot { display: inline-block; width: 5px; height: 5px; margin-left: 3px; border-radius: 50%; background: #8a99ab; animation: blink 1.2s infinite both; }
.typing .dot:nth-child(2) { animation-delay: .2s; } .typing .dot:nth-child(3) { animation-delay: .4s; }
@keyframes blink { 0%, 80%, 100% { opacity: .2; } 40% { opacity: 1; } }
@media (prefers-reduced-motion: reduce) { .typing .dot { animation: none; } }
.composer { display: flex; align-items: flex-end; gap: 6px; padding: 8px; border-top: 1px solid #e4e9f0; background: #fff; }
.composer textarea { flex: 1; min-height: 38px; max-height: 120px; resize: none; padding: 8px 10px; border: 1px solid #c9d3df; border-radius: 8px; font: inherit; color: inherit; }
.send { padding: 8px 14px; border: 0; border-radius: 8px; background: #0b5cad; color: #fff; font: inherit; cursor: pointer; }
.send:disabled { background: #9fb6cf; cursor: default; }
.upload { position: relative; display: inline-flex; align-items: center; justify-content: center; width: 38px; height: 38px; border: 1px solid #c9d3df; border-radius: 8px; cursor: pointer; color: #0b5cad; font-size: 18px; }
.upload[hidden] { display: none; }
.upload input { position: absolute; inset: 0; opacity: 0; cursor: pointer; width: 100%; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
@media (max-width: 480px) {
  .panel { right: 0; bottom: 0; left: 0; top: 0; width: 100%; height: 100%; border-radius: 0; }
  .launcher { right: 12px; bottom: 12px; }
  .msg { max-width: 92%; }
}
`

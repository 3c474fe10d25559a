/**
 * The browser side of 1EdTech "LTI Client Side postMessage storage" (lti-cs-oidc): when third-party cookies are
 * blocked in the platform's frame, the tool keeps its state and nonce in the platform's window instead. The login
 * page puts them there (`lti.put_data`), the launch page reads them back (`lti.get_data`), each message sent to the
 * frame named by `lti_storage_target` (`_parent`: the parent window) with the platform's origin as `targetOrigin`,
 * and only answers from that origin are believed. Scripts read their data from a JSON element (no inline values).
 */

const FRAME = "var d=JSON.parse(document.getElementById('lti-data').textContent);" +
  "var t;try{t=d.target==='_parent'?window.parent:window.parent.frames[d.target];}catch(e){t=null;}" +
  "var pending={},done=false,got={};" +
  "function ask(subject,key,value){var id=subject+'-'+key+'-'+Math.random().toString(36).slice(2);pending[id]=key;" +
  "var m={subject:subject,message_id:id,key:key};if(value!==undefined)m.value=value;t.postMessage(m,d.origin);}";

/** The login page's script: put `d.items` ([key, value] pairs), then go to `d.authUrl` (also after 3 s without an answer). */
export const PUT_SCRIPT = `${FRAME}` +
  "function go(){if(!done){done=true;window.location.href=d.authUrl;}}" +
  "window.addEventListener('message',function(e){if(e.origin!==d.origin||!e.data||e.data.subject!=='lti.put_data.response'||!pending[e.data.message_id])return;" +
  "delete pending[e.data.message_id];if(Object.keys(pending).length===0)go();});" +
  "try{if(!t)throw 0;d.items.forEach(function(i){ask('lti.put_data',i[0],i[1]);});setTimeout(go,3000);}catch(e){go();}";

/**
 * The launch page's script: get `d.keys` back, put them in the form's `stored_<i>` fields and post it (also after
 * 3 s, with whatever came back: the server then refuses the launch as not bound to the browser).
 */
export const GET_SCRIPT = `${FRAME}` +
  "function post(){if(done)return;done=true;d.keys.forEach(function(k,i){document.getElementById('stored_'+i).value=got[k]||'';});document.getElementById('lti-auto').submit();}" +
  "window.addEventListener('message',function(e){if(e.origin!==d.origin||!e.data||e.data.subject!=='lti.get_data.response'||!pending[e.data.message_id])return;" +
  "var k=pending[e.data.message_id];delete pending[e.data.message_id];if(typeof e.data.value==='string')got[k]=e.data.value;if(Object.keys(pending).length===0)post();});" +
  "try{if(!t)throw 0;d.keys.forEach(function(k){ask('lti.get_data',k);});setTimeout(post,3000);}catch(e){post();}";

/** The storage keys of a login's state and nonce. */
export const storageKeys = (state: string, nonce: string): [string, string] => [`state_${state}`, `nonce_${nonce}`];

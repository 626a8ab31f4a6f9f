import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import KbAnswer from '@/components/kb/KbAnswer.vue'

const stubs = {
  'router-link': { props: ['to'], template: '<a :href="`/faq?entry=${to.query.entry}`"><slot /></a>' },
  'el-tag': { template: '<span class="tag"><slot /></span>' },
  'el-button': { emits: ['click'], template: '<button @click="$emit(\'click\')"><slot /></button>' },
}

const mountAnswer = (answer) => mount(KbAnswer, { props: { answer }, global: { stubs } })

describe('the assistant’s answer on the FAQ page', () => {
  it('shows the answer once, its source as a portal link and the related questions', async () => {
    const w = mountAnswer({
      text: '过户不收手续费。\n\n来源：[办理过户要收费吗？](/faq?entry=acct-03)',
      confident: true,
      sources: [{ id: 'acct-03', title: '办理过户要收费吗？', score: 0.8, url: '/faq?entry=acct-03' }],
      related: [{ id: 'acct-04', question: '过户申请提交后多久能办好？' }],
      suggestions: [],
    })
    expect(w.find('.text').text()).toBe('过户不收手续费。')
    const link = w.find('.sources a')
    expect(link.text()).toBe('办理过户要收费吗？')
    expect(link.attributes('href')).toBe('/faq?entry=acct-03')
    expect(w.text()).not.toContain('没有把握')
    await w.find('.next button').trigger('click')
    expect(w.emitted('ask')).toEqual([['过户申请提交后多久能办好？']])
  })

  it('says when it is not sure, offers the closest questions and a person, and renders no HTML it was sent', () => {
    const w = mountAnswer({
      text: '抱歉，我不太确定<img src=x onerror=alert(1)>',
      confident: false,
      sources: [],
      related: [],
      suggestions: [{ id: 'a', question: '客服热线电话是多少？' }, { id: 'b', question: '怎么转人工？' }],
      handoff: true,
    })
    expect(w.text()).toContain('没有把握')
    expect(w.text()).toContain('您是不是想问')
    expect(w.findAll('.next button').map((b) => b.text())).toEqual(['客服热线电话是多少？', '怎么转人工？'])
    expect(w.text()).toContain('转人工')
    expect(w.find('.text img').exists()).toBe(false)
  })
})

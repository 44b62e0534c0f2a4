# The README's "Use" section as a newcomer copies it (issue 13, item 12): it does not upload the module's
# own build folder, and each YAML example there is a config Connect-BronzeStorage accepts.
BeforeAll { . $PSScriptRoot/Common.ps1 }

Describe 'README Use section' {
    BeforeAll {
        $readme = Get-Content (Join-Path $PSScriptRoot '../../README.md') -Raw
        $script:Use = [regex]::Match($readme, '(?s)## Use\n(.*?)\n## ').Groups[1].Value
        $script:Yaml = @([regex]::Matches($script:Use, '(?s)```yaml\n(.*?)```') | ForEach-Object { $_.Groups[1].Value })
    }
    AfterAll { Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue }

    It 'never uploads ./out, the module''s own build folder' {
        $script:Use | Should -Not -Match 'Send-BronzeFile -Path \./out\b'
    }

    It 'shows local, S3 and Azure configs, and says what re-uploads, piped layouts and errors do' {
        ($script:Yaml -join "`n") | Should -Match 'storage_backend: local'
        ($script:Yaml -join "`n") | Should -Match 'storage_backend: s3'
        ($script:Yaml -join "`n") | Should -Match 'storage_backend: azure'
        $script:Use | Should -Match 'Re-uploads overwrite'
        $script:Use | Should -Match 'piped'
        $script:Use | Should -Match 'exit code'
    }

    It 'has YAML examples that Connect-BronzeStorage accepts (-SkipCheck: no real account behind them)' {
        $work = New-TestFolder 'readme'
        $env:BRONZE_S3_ENDPOINT = 'http://127.0.0.1:9'; $env:BRONZE_S3_ACCESS_KEY = 'k'; $env:BRONZE_S3_SECRET_KEY = 's'
        $env:BRONZE_AZURE_CONNECTION_STRING = 'DefaultEndpointsProtocol=https;AccountName=analyticslake;AccountKey=' + [Convert]::ToBase64String([byte[]]::new(64)) + ';EndpointSuffix=core.windows.net'
        try {
            $i = 0
            foreach ($y in $script:Yaml) {
                $file = Join-Path $work "platform-$i.yaml"; $i++
                Set-Content $file $y
                Push-Location $work
                try { Connect-BronzeStorage -ConfigPath $file -Name "readme-$i" -SkipCheck -PassThru | Should -Not -BeNullOrEmpty }
                finally { Pop-Location }
            }
            $i | Should -BeGreaterOrEqual 3
        }
        finally { Remove-Item Env:BRONZE_S3_*, Env:BRONZE_AZURE_CONNECTION_STRING -ErrorAction SilentlyContinue }
    }
}
